package workspace

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
	"github.com/rollcall-dev/rollcall/internal/indexes"
)

// addFinalizer adds the users finalizer with a patch, so that a deleted
// Workspace stays readable (its backend and its deprovisioning policy)
// until every one of its users has been deprovisioned.
func (r *Reconciler) addFinalizer(ctx context.Context, ws *identityv1alpha1.Workspace) error {
	base := ws.DeepCopy()
	controllerutil.AddFinalizer(ws, identityv1alpha1.UsersFinalizer)
	if err := r.Patch(ctx, ws, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("add users finalizer: %w", err)
	}
	return nil
}

// reconcileDelete deletes the workspace's users and releases the finalizer
// once none is left. Each user's own finalizer deprovisions its member by
// the workspace's policy while the Workspace can still be read, so
// deleting a workspace deactivates, deletes or retains its members exactly
// as deleting each user would. It cannot get stuck on the backend: a
// user's finalizer gives up with a Warning when the backend configuration
// is unusable, and with the controllers stopped the finalizer is removed
// by hand (docs/installing.md).
func (r *Reconciler) reconcileDelete(ctx context.Context, ws *identityv1alpha1.Workspace) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(ws, identityv1alpha1.UsersFinalizer) {
		return ctrl.Result{}, nil
	}
	users := &identityv1alpha1.WorkspaceUserList{}
	// Read only: the users are deleted by name, not changed in place.
	if err := r.List(ctx, users, client.InNamespace(ws.Namespace), client.MatchingFields{indexes.UserWorkspace: ws.Name},
		client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("list users of workspace %s: %w", ws.Name, err)
	}
	if len(users.Items) == 0 {
		// Until now the workspace's token still opened its 404; the
		// record lives in another namespace, out of garbage collection's reach.
		if err := r.withdrawTokenDigests(ctx, ws); err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, r.removeFinalizer(ctx, ws)
	}
	var errs []error
	deleted := 0
	for i := range users.Items {
		u := &users.Items[i]
		if !u.DeletionTimestamp.IsZero() {
			continue
		}
		uid := u.UID
		err := r.Delete(ctx, &identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{Namespace: u.Namespace, Name: u.Name}},
			client.Preconditions{UID: &uid})
		// NotFound: gone already; Conflict: the name now holds another user,
		// whose own create event brings it here again.
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			errs = append(errs, fmt.Errorf("delete user %s: %w", u.Name, err))
			continue
		}
		deleted++
	}
	if err := r.reportDeleting(ctx, ws, len(users.Items), deleted); err != nil {
		errs = append(errs, err)
	}
	// The users' delete events bring the Workspace back here; the last one
	// releases it.
	return ctrl.Result{}, errors.Join(errs...)
}

// removeFinalizer lets the Workspace go.
func (r *Reconciler) removeFinalizer(ctx context.Context, ws *identityv1alpha1.Workspace) error {
	base := ws.DeepCopy()
	controllerutil.RemoveFinalizer(ws, identityv1alpha1.UsersFinalizer)
	if err := r.Patch(ctx, ws, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove users finalizer: %w", err)
	}
	log.FromContext(ctx).Info("released users finalizer: the workspace has no users left")
	return nil
}

// reportDeleting sets Ready=False, reason DeletingUsers, once per deletion,
// and records an event: a workspace that stays in Terminating says what it
// waits for. The fields this controller owns are carried over.
func (r *Reconciler) reportDeleting(ctx context.Context, ws *identityv1alpha1.Workspace, users, deleted int) error {
	if c := meta.FindStatusCondition(ws.Status.Conditions, identityv1alpha1.ConditionReady); c != nil &&
		c.Reason == identityv1alpha1.ReasonDeletingUsers {
		return nil
	}
	policy := ws.Spec.Deprovisioning
	if policy == "" {
		policy = identityv1alpha1.DeprovisionDeactivate
	}
	msg := fmt.Sprintf("the workspace is being deleted: it waits until its %d users are deleted, each member deprovisioned "+
		"by the policy %s (remove the finalizer %s only if the operator cannot run)", users, policy, identityv1alpha1.UsersFinalizer)
	now := metav1.NewTime(r.now())
	ready := conditions.False(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonDeletingUsers, msg, ws.Generation)
	status := ac.WorkspaceStatus().
		WithObservedGeneration(ws.Generation).
		WithConditions(conditions.Apply(ws.Status.Conditions, ready, now))
	if scim := meta.FindStatusCondition(ws.Status.Conditions, identityv1alpha1.ConditionSCIMReady); scim != nil {
		status.WithConditions(conditions.Apply(ws.Status.Conditions, *scim, now))
	}
	if ws.Status.TenantURL != "" {
		status.WithTenantURL(ws.Status.TenantURL)
	}
	if ws.Status.TokenSecretName != "" {
		status.WithTokenSecretName(ws.Status.TokenSecretName)
	}
	if ws.Status.PublishedTokenVersion != "" {
		status.WithPublishedTokenVersion(ws.Status.PublishedTokenVersion)
	}
	if err := r.Status().Apply(ctx, ac.Workspace(ws.Name, ws.Namespace).WithStatus(status),
		client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("apply status of workspace %s/%s: %w", ws.Namespace, ws.Name, err)
	}
	r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, identityv1alpha1.ReasonDeletingUsers, "DeleteUsers",
		"Deleting %d users (%d just now); each member is deprovisioned by the policy %s before the workspace goes", users, deleted, policy)
	return nil
}

// userCreatedOrDeleted lets through the user events a deleting Workspace
// waits for: a user created late (to delete too) and a user gone (maybe
// the last).
func userCreatedOrDeleted() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// deletingWorkspaceOfUser maps a user to its Workspace when that is being
// deleted; the users of a live workspace do not reconcile it.
func (r *Reconciler) deletingWorkspaceOfUser(ctx context.Context, obj client.Object) []reconcile.Request {
	u, ok := obj.(*identityv1alpha1.WorkspaceUser)
	if !ok {
		return nil
	}
	key := types.NamespacedName{Namespace: u.Namespace, Name: u.Spec.WorkspaceRef.Name}
	ws := &identityv1alpha1.Workspace{}
	if err := r.Get(ctx, key, ws); err != nil || ws.DeletionTimestamp.IsZero() {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}
