package workspaceuser

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Defaults of the fault isolation between workspaces.
const (
	// defaultCallTimeout bounds each backend call (and opening the backend).
	defaultCallTimeout = 5 * time.Second
	// defaultBusyRetry is the mean delay before a user whose workspace had
	// no free slot tries again.
	defaultBusyRetry = 2 * time.Second
	// slotWait is how long a reconcile waits for one of its workspace's
	// slots. Backend calls of a healthy workspace take milliseconds, so a
	// burst of users (a first provisioning cycle) waits its turn here
	// instead of being requeued and marked BackendBusy; a workspace whose
	// backend stalls costs a waiting worker this much at the most, short
	// enough that its requeued users cannot crowd out other workspaces.
	slotWait = 100 * time.Millisecond
)

// errBusy means the workspace's backend had no free slot: the reconcile did
// not wait for one.
var errBusy = errors.New("no free slot for the workspace's member backend")

// BackendSlots are the per-workspace slots of this controller's reconciles
// inside a backend (WorkspaceWorkers of them per workspace), for other
// controllers that talk to the same backends to share: they take a slot
// with SlotsPerWorkspace as the limit.
func (r *Reconciler) BackendSlots() *memberbackend.Slots { return &r.limits }

// SlotsPerWorkspace is the size of each workspace's semaphore in
// BackendSlots: WorkspaceWorkers.
func (r *Reconciler) SlotsPerWorkspace() int { return r.workspaceWorkers() }

// workspaceWorkers is how many reconciles may be inside one workspace's backend at once.
func (r *Reconciler) workspaceWorkers() int {
	if r.WorkspaceWorkers > 0 {
		return r.WorkspaceWorkers
	}
	workers := r.Workers
	if workers <= 0 {
		workers = 8
	}
	return max(1, workers/2)
}

// callTimeout bounds each call to ws's backend: CallTimeout, or the
// workspace's HTTP attempt timeout when that is longer, so one attempt the
// spec allows is never cut short.
func (r *Reconciler) callTimeout(ws *identityv1alpha1.Workspace) time.Duration {
	d := r.CallTimeout
	if d <= 0 {
		d = defaultCallTimeout
	}
	if h := ws.Spec.Backend.HTTP; ws.Spec.Backend.Type == identityv1alpha1.BackendHTTP && h != nil && h.Timeout != nil && h.Timeout.Duration > d {
		d = h.Timeout.Duration
	}
	return d
}

// busyRetry is the jittered delay (0.5 to 1.5 times BusyRetry) before a
// user that found no free slot tries again.
func (r *Reconciler) busyRetry() time.Duration {
	d := r.BusyRetry
	if d <= 0 {
		d = defaultBusyRetry
	}
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}

// openBackend returns ws's backend for this reconcile, each call bounded by
// the call timeout. The first use takes one of the workspace's slots,
// waiting up to slotWait (errBusy when none came free), held until the
// reconcile ends (st.releaseBackend); later uses in the same reconcile
// reuse it.
func (r *Reconciler) openBackend(ctx context.Context, ws *identityv1alpha1.Workspace, st *state) (backend.Backend, error) {
	if st.backend != nil {
		return st.backend, nil
	}
	release, ok := r.limits.Acquire(ctx, types.NamespacedName{Namespace: ws.Namespace, Name: ws.Name}, r.workspaceWorkers(), slotWait)
	if !ok {
		return nil, fmt.Errorf("workspace %s/%s: %d reconciles of its users are in its member backend, the most one workspace may use: %w",
			ws.Namespace, ws.Name, r.workspaceWorkers(), errBusy)
	}
	timeout := r.callTimeout(ws)
	openCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, err := r.Backends.Open(openCtx, ws)
	if err != nil {
		release()
		if ctx.Err() == nil && errors.Is(openCtx.Err(), context.DeadlineExceeded) {
			err = backend.Unavailable(fmt.Errorf("the backend did not open within %s: %w", timeout, err))
		}
		return nil, err
	}
	st.backend, st.release = backend.WithCallTimeout(b, timeout), release
	return st.backend, nil
}

// keepsSyncedWhileBusy reports whether a user that found no free slot keeps
// its Synced condition: True for this generation (the member matched at the
// last look, and a busy workspace changes nothing about it), or already
// BackendUnavailable for it (a call failed: the stronger news). Otherwise it
// gets BackendBusy, so that no waiting user goes without a reason.
func keepsSyncedWhileBusy(user *identityv1alpha1.WorkspaceUser) bool {
	c := meta.FindStatusCondition(user.Status.Conditions, identityv1alpha1.ConditionSynced)
	if c == nil || c.ObservedGeneration != user.Generation {
		return false
	}
	return c.Status == metav1.ConditionTrue || c.Reason == identityv1alpha1.ReasonBackendUnavailable
}
