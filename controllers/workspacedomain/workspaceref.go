package workspacedomain

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/indexes"
)

// domainsOfWorkspace maps a Workspace event to the domains it claims, so a
// Workspace created after its domains makes them Ready at once. It reads
// the indexes.DomainWorkspace index (indexes.AddDefault).
func (r *Reconciler) domainsOfWorkspace() handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, ws client.Object) []reconcile.Request {
		domains := &identityv1alpha1.WorkspaceDomainList{}
		if err := r.List(ctx, domains, client.MatchingFields{indexes.DomainWorkspace: indexes.DomainWorkspaceValue(ws.GetNamespace(), ws.GetName())}); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "list the domains of a workspace", "workspace", client.ObjectKeyFromObject(ws))
			return nil
		}
		requests := make([]reconcile.Request, 0, len(domains.Items))
		for _, d := range domains.Items {
			requests = append(requests, reconcile.Request{NamespacedName: types.NamespacedName{Name: d.Name}})
		}
		return requests
	})
}

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces,verbs=get;list;watch

// workspaceExists reports whether the Workspace the domain names exists.
func (r *Reconciler) workspaceExists(ctx context.Context, domain *identityv1alpha1.WorkspaceDomain) (bool, error) {
	ref := domain.Spec.WorkspaceRef
	err := r.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, &identityv1alpha1.Workspace{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get workspace %s/%s of domain %s: %w", ref.Namespace, ref.Name, domain.Name, err)
	}
	return true, nil
}
