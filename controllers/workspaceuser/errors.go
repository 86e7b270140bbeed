package workspaceuser

import (
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// failSync records a failed sync in st and returns what Reconcile returns:
// a transient error for the controller's backoff (or the wait the backend
// asked for), a terminal error for anything that needs a person.
func failSync(st *state, generation int64, doing string, err error) (ctrl.Result, error) {
	cond := conditions.False(identityv1alpha1.ConditionSynced, memberbackend.ReasonOf(err), doing+": "+err.Error(), generation)
	st.synced = &cond
	wrapped := fmt.Errorf("%s: %w", doing, err)
	// A missing Secret is InvalidConfig, not transient: the Secret watch
	// brings the user back when it appears.
	if !backend.IsTransient(err) {
		return ctrl.Result{}, reconcile.TerminalError(wrapped)
	}
	if wait := backend.RetryAfterOf(err); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	return ctrl.Result{}, wrapped
}

// failOpen records that the user's backend could not be had: no free slot
// in its workspace (errBusy: Synced=False BackendBusy, unless the user keeps
// its condition, see keepsSyncedWhileBusy, and a retry after BusyRetry,
// with no backoff: the user's own calls did not fail), or failSync.
func (r *Reconciler) failOpen(user *identityv1alpha1.WorkspaceUser, st *state, doing string, err error) (ctrl.Result, error) {
	if !errors.Is(err, errBusy) {
		return failSync(st, user.Generation, doing, err)
	}
	if !keepsSyncedWhileBusy(user) {
		cond := conditions.False(identityv1alpha1.ConditionSynced, identityv1alpha1.ReasonBackendBusy,
			doing+": "+err.Error()+"; the user waits its turn", user.Generation)
		st.synced = &cond
	}
	return ctrl.Result{RequeueAfter: r.busyRetry()}, nil
}

// syncedCondition is a True Synced condition.
func syncedCondition(generation int64, message string) *metav1.Condition {
	c := conditions.True(identityv1alpha1.ConditionSynced, identityv1alpha1.ReasonReconciled, message, generation)
	return &c
}
