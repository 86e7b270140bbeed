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

// reconcileDelete deletes the workspace's users and groups and releases
// the finalizer once none is left. Each user's and group's own finalizer
// deprovisions it by the workspace's policy while the Workspace can still
// be read, so deleting a workspace deactivates, deletes or retains its
// members and groups exactly as deleting each would. It cannot get stuck
// on the backend: their finalizers give up with a Warning when the backend
// configuration is unusable, and with the controllers stopped the
// finalizer is removed by hand (docs/installing.md).
func (r *Reconciler) reconcileDelete(ctx context.Context, ws *identityv1alpha1.Workspace) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(ws, identityv1alpha1.UsersFinalizer) {
		return ctrl.Result{}, nil
	}
	users := &identityv1alpha1.WorkspaceUserList{}
	// Read only: the users and groups are deleted by name, not changed in place.
	if err := r.List(ctx, users, client.InNamespace(ws.Namespace), client.MatchingFields{indexes.UserWorkspace: ws.Name},
		client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("list users of workspace %s: %w", ws.Name, err)
	}
	groups := &identityv1alpha1.WorkspaceGroupList{}
	if err := r.List(ctx, groups, client.InNamespace(ws.Namespace), client.MatchingFields{indexes.GroupWorkspace: ws.Name},
		client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("list groups of workspace %s: %w", ws.Name, err)
	}
	if len(users.Items) == 0 && len(groups.Items) == 0 {
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
		n, err := r.deleteByUID(ctx, u, &identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{Namespace: u.Namespace, Name: u.Name}})
		deleted += n
		errs = append(errs, err)
	}
	for i := range groups.Items {
		grp := &groups.Items[i]
		n, err := r.deleteByUID(ctx, grp, &identityv1alpha1.WorkspaceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: grp.Namespace, Name: grp.Name}})
		deleted += n
		errs = append(errs, err)
	}
	if err := r.reportDeleting(ctx, ws, len(users.Items), len(groups.Items), deleted); err != nil {
		errs = append(errs, err)
	}
	// The users' and groups' delete events bring the Workspace back here;
	// the last one releases it.
	return ctrl.Result{}, errors.Join(errs...)
}

// deleteByUID deletes the object named like current, with current's UID as
// precondition so that a re-created name is not hit; it skips one being
// deleted. It returns 1 when it deleted it (or it was gone).
func (r *Reconciler) deleteByUID(ctx context.Context, current, named client.Object) (int, error) {
	if current.GetDeletionTimestamp() != nil {
		return 0, nil
	}
	uid := current.GetUID()
	err := r.Delete(ctx, named, client.Preconditions{UID: &uid})
	// NotFound: gone already; Conflict: the name now holds another object,
	// whose own create event brings it here again.
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return 0, fmt.Errorf("delete %T %s: %w", named, current.GetName(), err)
	}
	return 1, nil
}

// removeFinalizer lets the Workspace go.
func (r *Reconciler) removeFinalizer(ctx context.Context, ws *identityv1alpha1.Workspace) error {
	base := ws.DeepCopy()
	controllerutil.RemoveFinalizer(ws, identityv1alpha1.UsersFinalizer)
	if err := r.Patch(ctx, ws, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove users finalizer: %w", err)
	}
	log.FromContext(ctx).Info("released users finalizer: the workspace has no users or groups left")
	return nil
}

// reportDeleting sets Ready=False, reason DeletingUsers, once per deletion,
// and records an event: a workspace that stays in Terminating says what it
// waits for. The fields this controller owns are carried over.
func (r *Reconciler) reportDeleting(ctx context.Context, ws *identityv1alpha1.Workspace, users, groups, deleted int) error {
	if c := meta.FindStatusCondition(ws.Status.Conditions, identityv1alpha1.ConditionReady); c != nil &&
		c.Reason == identityv1alpha1.ReasonDeletingUsers {
		return nil
	}
	policy := ws.Spec.Deprovisioning
	if policy == "" {
		policy = identityv1alpha1.DeprovisionDeactivate
	}
	msg := fmt.Sprintf("the workspace is being deleted: it waits until its %d users and %d groups are deleted, each member and group "+
		"deprovisioned by the policy %s (remove the finalizer %s only if the operator cannot run)", users, groups, policy, identityv1alpha1.UsersFinalizer)
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
	if ws.Status.TokenPublishedTime != nil {
		status.WithTokenPublishedTime(*ws.Status.TokenPublishedTime)
	}
	if err := r.Status().Apply(ctx, ac.Workspace(ws.Name, ws.Namespace).WithStatus(status),
		client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("apply status of workspace %s/%s: %w", ws.Namespace, ws.Name, err)
	}
	r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, identityv1alpha1.ReasonDeletingUsers, "DeleteUsers",
		"Deleting %d users and %d groups (%d just now); each member and group is deprovisioned by the policy %s before the workspace goes",
		users, groups, deleted, policy)
	return nil
}

// createdOrDeleted lets through the user and group events a deleting
// Workspace waits for: one created late (to delete too) and one gone
// (maybe the last).
func createdOrDeleted() predicate.Predicate {
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

// deletingWorkspaceOfGroup maps a group to its Workspace when that is being
// deleted.
func (r *Reconciler) deletingWorkspaceOfGroup(ctx context.Context, obj client.Object) []reconcile.Request {
	grp, ok := obj.(*identityv1alpha1.WorkspaceGroup)
	if !ok {
		return nil
	}
	key := types.NamespacedName{Namespace: grp.Namespace, Name: grp.Spec.WorkspaceRef.Name}
	ws := &identityv1alpha1.Workspace{}
	if err := r.Get(ctx, key, ws); err != nil || ws.DeletionTimestamp.IsZero() {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}
