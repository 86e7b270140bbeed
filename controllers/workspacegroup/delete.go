package workspacegroup

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Event reasons of deprovisioning.
const (
	ReasonDeprovisioned     = "Deprovisioned"
	ReasonGroupRetained     = "GroupRetained"
	ReasonFinalizerReleased = "FinalizerReleased"
)

// reconcileDelete deprovisions the group per the workspace's policy, then
// releases the finalizer:
//
//   - Delete: the group and all its memberships are deleted.
//   - Deactivate (the default): a group has no inactive state, so its
//     memberships are removed and the group record is kept (with its name
//     and external id), as a deactivated member keeps its record.
//   - Retain: the backend is left as it is.
//
// As for users, it cannot get stuck: with the workspace gone or its backend
// configuration unusable the finalizer is released with a Warning, leaving
// the backend as it was.
func (r *Reconciler) reconcileDelete(ctx context.Context, group *identityv1alpha1.WorkspaceGroup, st *state) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(group, identityv1alpha1.GroupFinalizer) {
		st.skipStatus = true
		return ctrl.Result{}, nil
	}
	ws, err := r.workspaceOf(ctx, group)
	if err != nil {
		return ctrl.Result{}, err
	}
	if ws == nil {
		return ctrl.Result{}, r.release(ctx, group, st, corev1.EventTypeWarning, ReasonFinalizerReleased,
			"workspace %s is gone: group %s, if any, is left in the backend as it was", group.Spec.WorkspaceRef.Name, st.groupKey)
	}
	policy := ws.Spec.Deprovisioning
	if policy == "" {
		policy = identityv1alpha1.DeprovisionDeactivate
	}
	if policy == identityv1alpha1.DeprovisionRetain {
		return ctrl.Result{}, r.release(ctx, group, st, corev1.EventTypeNormal, ReasonGroupRetained,
			"group %s, if any, is left in the backend with its memberships (deprovisioning policy Retain)", st.groupKey)
	}
	b, err := r.openBackend(ctx, ws, st)
	if err != nil {
		if backend.KindOf(err) == backend.KindInvalidConfig { // a missing Secret included
			return ctrl.Result{}, r.release(ctx, group, st, corev1.EventTypeWarning, ReasonFinalizerReleased,
				"the backend configuration is unusable (%s): group %s is left in the backend as it was", err, st.groupKey)
		}
		return r.failOpen(group, st, "open the member backend to deprovision", err)
	}
	if policy == identityv1alpha1.DeprovisionDelete {
		if err := b.DeleteGroup(ctx, st.groupKey); err != nil {
			return failSync(st, group.Generation, "delete group "+st.groupKey, err)
		}
		return ctrl.Result{}, r.release(ctx, group, st, corev1.EventTypeNormal, ReasonDeprovisioned,
			"group %s and its memberships: deleted per the deprovisioning policy Delete", st.groupKey)
	}
	members, err := b.GroupMembers(ctx, st.groupKey)
	if err != nil {
		return failSync(st, group.Generation, "read the members of group "+st.groupKey, err)
	}
	if err := applyPlan(ctx, b, st.groupKey, memberPlan{remove: members}); err != nil {
		return failSync(st, group.Generation, "remove the members of group "+st.groupKey, err)
	}
	return ctrl.Result{}, r.release(ctx, group, st, corev1.EventTypeNormal, ReasonDeprovisioned,
		"group %s: its %d memberships removed and the group kept, per the deprovisioning policy Deactivate", st.groupKey, len(members))
}

// release removes the finalizer, records why, and skips the status write:
// the object is about to go.
func (r *Reconciler) release(ctx context.Context, group *identityv1alpha1.WorkspaceGroup, st *state, eventType, reason, format string, args ...any) error {
	base := group.DeepCopy()
	controllerutil.RemoveFinalizer(group, identityv1alpha1.GroupFinalizer)
	if err := r.Patch(ctx, group, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove group finalizer: %w", err)
	}
	st.skipStatus = true
	note := fmt.Sprintf(format, args...)
	log.FromContext(ctx).Info("released group finalizer", "reason", reason, "detail", note)
	r.Recorder.Eventf(group, nil, eventType, reason, "Deprovision", "%s", note)
	return nil
}
