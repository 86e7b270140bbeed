package workspace

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// applyStatus server-side applies the fields of the status this controller
// owns: the Tenant URL, the token Secret name, the version of it whose
// digests are published and since when, and its conditions.
func (r *Reconciler) applyStatus(ctx context.Context, ws *identityv1alpha1.Workspace, scim scimState) error {
	now := metav1.NewTime(r.now())
	ready := readyCondition(ws.Generation, scim.condition, meta.FindStatusCondition(ws.Status.Conditions, identityv1alpha1.ConditionBackendReady))
	status := ac.WorkspaceStatus().
		WithObservedGeneration(ws.Generation).
		WithConditions(
			conditions.Apply(ws.Status.Conditions, scim.condition, now),
			conditions.Apply(ws.Status.Conditions, ready, now),
		)
	if scim.tenantURL != "" {
		status.WithTenantURL(scim.tenantURL)
	}
	if scim.tokenSecretName != "" {
		status.WithTokenSecretName(scim.tokenSecretName)
	}
	if scim.publishedToken.version != "" {
		status.WithPublishedTokenVersion(scim.publishedToken.version)
	}
	if scim.publishedToken.since != nil {
		status.WithTokenPublishedTime(*scim.publishedToken.since)
	}
	if err := r.Status().Apply(ctx, ac.Workspace(ws.Name, ws.Namespace).WithStatus(status),
		client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply status of workspace %s/%s: %w", ws.Namespace, ws.Name, err)
	}
	return nil
}

// readyCondition is True when every part the workspace needs is ready: the
// SCIM endpoint (a disabled one is a choice, not a fault) and the member
// backend. BackendReady is written by BackendReconciler; until it has
// reported, only SCIM decides.
func readyCondition(generation int64, scim metav1.Condition, backend *metav1.Condition) metav1.Condition {
	if scim.Status != metav1.ConditionTrue && scim.Reason != identityv1alpha1.ReasonSCIMDisabled {
		return conditions.False(identityv1alpha1.ConditionReady, scim.Reason, scim.Message, generation)
	}
	if backend != nil && backend.Status != metav1.ConditionTrue {
		return conditions.False(identityv1alpha1.ConditionReady, backend.Reason, backend.Message, generation)
	}
	return conditions.True(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonReconciled, "the workspace is ready", generation)
}

func keyOf(namespace, name string) types.NamespacedName {
	return types.NamespacedName{Namespace: namespace, Name: name}
}
