package workspaceuser

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// domainsCRD is the name of the WorkspaceDomain CustomResourceDefinition.
var domainsCRD = "workspacedomains." + identityv1alpha1.GroupVersion.Group

// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,resourceNames=workspacedomains.identity.rollcall.dev,verbs=get

// teardown tells, just before the gate deactivates a member, whether what
// it saw is a withdrawn verification or objects going away: the user or its
// Workspace being deleted, or the WorkspaceDomain gone because its CRD is
// being deleted (an uninstall). In a teardown the member's fate is the
// deprovisioning policy's, applied by the user's finalizer, and the gate
// leaves it alone; the answer says why, empty when it is no teardown.
//
// The reads go to the API server, not the cache: in an uninstall the
// WorkspaceDomains vanish a moment before the Workspaces are marked deleted,
// and their watch events come on separate streams, so only a live read
// orders them. Unstructured objects are not cached by the manager's client,
// so these reads are live. They are made on this path only, which a
// member reaches when its domain stops being verified.
func (r *Reconciler) teardown(ctx context.Context, user *identityv1alpha1.WorkspaceUser, domain string) (string, error) {
	gone, err := r.goneOrDeleting(ctx, identityv1alpha1.GroupVersion.WithKind("WorkspaceUser"), client.ObjectKeyFromObject(user))
	if err != nil || gone {
		return why(gone, err, "the user is being deleted")
	}
	wsKey := types.NamespacedName{Namespace: user.Namespace, Name: user.Spec.WorkspaceRef.Name}
	gone, err = r.goneOrDeleting(ctx, identityv1alpha1.GroupVersion.WithKind("Workspace"), wsKey)
	if err != nil || gone {
		return why(gone, err, "workspace "+wsKey.Name+" is being deleted")
	}
	if domain == "" {
		return "", nil
	}
	claim := &unstructured.Unstructured{}
	claim.SetGroupVersionKind(identityv1alpha1.GroupVersion.WithKind("WorkspaceDomain"))
	err = r.Get(ctx, types.NamespacedName{Name: domain}, claim)
	if err == nil {
		return "", nil // the claim is there and says the domain is not verified
	}
	if !apierrors.IsNotFound(err) {
		return "", fmt.Errorf("get WorkspaceDomain %s: %w", domain, err)
	}
	gone, err = r.goneOrDeleting(ctx, schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"},
		types.NamespacedName{Name: domainsCRD})
	if err != nil || gone {
		return why(gone, err, "the WorkspaceDomain CRD is being deleted (an uninstall)")
	}
	return "", nil
}

// goneOrDeleting reads an object from the API server and tells whether it
// is gone or being deleted.
func (r *Reconciler) goneOrDeleting(ctx context.Context, gvk schema.GroupVersionKind, key types.NamespacedName) (bool, error) {
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gvk)
	if err := r.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("get %s %s: %w", gvk.Kind, key, err)
	}
	return obj.GetDeletionTimestamp() != nil, nil
}

func why(gone bool, err error, reason string) (string, error) {
	if err != nil {
		return "", err
	}
	if gone {
		return reason, nil
	}
	return "", nil
}
