package workspaceuser

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
	ReasonMemberRetained    = "MemberRetained"
	ReasonFinalizerReleased = "FinalizerReleased"
)

// reconcileDelete deprovisions the member per the workspace's policy, then
// releases the finalizer. It cannot get stuck: with the workspace or its
// backend configuration gone, the finalizer is released with a Warning.
func (r *Reconciler) reconcileDelete(ctx context.Context, user *identityv1alpha1.WorkspaceUser, st *state) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(user, identityv1alpha1.MemberFinalizer) {
		st.skipStatus = true
		return ctrl.Result{}, nil
	}
	ws, err := r.workspaceOf(ctx, user)
	if err != nil {
		return ctrl.Result{}, err
	}
	if ws == nil {
		return ctrl.Result{}, r.release(ctx, user, st, corev1.EventTypeWarning, ReasonFinalizerReleased,
			"workspace %s is gone: member %s, if any, is left in the backend as it was", user.Spec.WorkspaceRef.Name, MemberKey(user))
	}
	policy := ws.Spec.Deprovisioning
	if policy == "" {
		policy = identityv1alpha1.DeprovisionDeactivate
	}
	if policy == identityv1alpha1.DeprovisionRetain {
		return ctrl.Result{}, r.release(ctx, user, st, corev1.EventTypeNormal, ReasonMemberRetained,
			"member %s, if any, is left in the backend (deprovisioning policy Retain)", MemberKey(user))
	}
	b, err := r.openBackend(ctx, ws, st)
	if err != nil {
		if backend.KindOf(err) == backend.KindInvalidConfig { // a missing Secret included
			return ctrl.Result{}, r.release(ctx, user, st, corev1.EventTypeWarning, ReasonFinalizerReleased,
				"the backend configuration is unusable (%s): member %s is left in the backend as it was", err, MemberKey(user))
		}
		return r.failOpen(user, st, "open the member backend to deprovision", err)
	}
	if st.memberKey == "" {
		// No key on record: nothing was sent, unless the operator stopped
		// between a backend write and the status write that records it.
		_, found, err := b.Observe(ctx, MemberKey(user))
		if err != nil {
			return failSync(st, user.Generation, "read member "+MemberKey(user), err)
		}
		if !found {
			return ctrl.Result{}, r.release(ctx, user, st, corev1.EventTypeNormal, ReasonDeprovisioned,
				"nothing was ever sent to the member backend")
		}
		st.memberKey = MemberKey(user)
	}
	doing := "deactivate"
	if policy == identityv1alpha1.DeprovisionDelete {
		doing = "delete"
		err = b.Delete(ctx, st.memberKey)
	} else {
		err = b.Deactivate(ctx, st.memberKey)
	}
	if err != nil {
		return failSync(st, user.Generation, fmt.Sprintf("%s member %s", doing, st.memberKey), err)
	}
	return ctrl.Result{}, r.release(ctx, user, st, corev1.EventTypeNormal, ReasonDeprovisioned,
		"member %s: %sd per the deprovisioning policy %s", st.memberKey, doing, policy)
}

// release removes the finalizer, records why, and skips the status write:
// the object is about to go.
func (r *Reconciler) release(ctx context.Context, user *identityv1alpha1.WorkspaceUser, st *state, eventType, reason, format string, args ...any) error {
	base := user.DeepCopy()
	controllerutil.RemoveFinalizer(user, identityv1alpha1.MemberFinalizer)
	if err := r.Patch(ctx, user, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove member finalizer: %w", err)
	}
	st.skipStatus = true
	note := fmt.Sprintf(format, args...)
	log.FromContext(ctx).Info("released member finalizer", "reason", reason, "detail", note)
	r.Recorder.Eventf(user, nil, eventType, reason, "Deprovision", "%s", note)
	return nil
}
