package workspacegroup

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// reasonOf is the Synced reason of a failed call: memberbackend.ReasonOf,
// with a refusal of the group's values named as such.
func reasonOf(err error) string {
	if reason := memberbackend.ReasonOf(err); reason != identityv1alpha1.ReasonMemberRejected {
		return reason
	}
	return identityv1alpha1.ReasonGroupRejected
}

// failSync records a failed sync in st and returns what Reconcile returns:
// a transient error for the controller's backoff (or the wait the backend
// asked for), a terminal error for anything that needs a person (the
// Workspace and Secret watches bring the group back when it is mended).
func failSync(st *state, generation int64, doing string, err error) (ctrl.Result, error) {
	cond := conditions.False(identityv1alpha1.ConditionSynced, reasonOf(err), doing+": "+err.Error(), generation)
	st.synced = &cond
	wrapped := fmt.Errorf("%s: %w", doing, err)
	if !backend.IsTransient(err) {
		return ctrl.Result{}, reconcile.TerminalError(wrapped)
	}
	if wait := backend.RetryAfterOf(err); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	return ctrl.Result{}, wrapped
}

// failOpen records that the group's backend could not be had: no free slot
// (BackendBusy, unless the group is synced or BackendUnavailable at its
// generation, and a retry after BusyRetry with no backoff), or failSync.
func (r *Reconciler) failOpen(group *identityv1alpha1.WorkspaceGroup, st *state, doing string, err error) (ctrl.Result, error) {
	if !errors.Is(err, errBusy) {
		return failSync(st, group.Generation, doing, err)
	}
	if c := meta.FindStatusCondition(group.Status.Conditions, identityv1alpha1.ConditionSynced); c == nil || c.ObservedGeneration != group.Generation ||
		(c.Status != metav1.ConditionTrue && c.Reason != identityv1alpha1.ReasonBackendUnavailable) {
		cond := conditions.False(identityv1alpha1.ConditionSynced, identityv1alpha1.ReasonBackendBusy,
			doing+": "+err.Error()+"; the group waits its turn", group.Generation)
		st.synced = &cond
	}
	return ctrl.Result{RequeueAfter: r.busyRetry()}, nil
}

// syncedCondition is a True Synced condition.
func syncedCondition(generation int64, message string) *metav1.Condition {
	c := conditions.True(identityv1alpha1.ConditionSynced, identityv1alpha1.ReasonReconciled, message, generation)
	return &c
}
