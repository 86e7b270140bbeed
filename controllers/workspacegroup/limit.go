package workspacegroup

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backend"
)

const (
	defaultCallTimeout = 5 * time.Second
	defaultBusyRetry   = 2 * time.Second
	// slotWait is how long a reconcile waits for each of its slots, as the
	// user controller does.
	slotWait = 100 * time.Millisecond
)

// errBusy means the workspace's backend had no free slot for the group.
var errBusy = errors.New("no free slot for the workspace's member backend")

// openBackend returns ws's backend for this reconcile, each call bounded by
// the call timeout. It first takes one of the workspace's group slots
// (GroupSlotsPerWorkspace), then one of the slots shared with the user
// controller, each waited for up to slotWait (errBusy when one did not
// come free); both are held until the reconcile ends (st.releaseBackend).
// So groups never hold more than GroupSlotsPerWorkspace of the slots a
// workspace's users reconcile in.
func (r *Reconciler) openBackend(ctx context.Context, ws *identityv1alpha1.Workspace, st *state) (backend.Backend, error) {
	if st.backend != nil {
		return st.backend, nil
	}
	key := types.NamespacedName{Namespace: ws.Namespace, Name: ws.Name}
	releaseGroup, ok := r.groupSlots.Acquire(ctx, key, r.groupSlotsPerWorkspace(), slotWait)
	if !ok {
		return nil, fmt.Errorf("workspace %s/%s: %d group reconciles are in its member backend, the most one workspace may have: %w",
			ws.Namespace, ws.Name, r.groupSlotsPerWorkspace(), errBusy)
	}
	shared, limit := r.sharedSlots()
	releaseShared, ok := shared.Acquire(ctx, key, limit, slotWait)
	if !ok {
		releaseGroup()
		return nil, fmt.Errorf("workspace %s/%s: %d reconciles are in its member backend, the most one workspace may have: %w",
			ws.Namespace, ws.Name, limit, errBusy)
	}
	release := func() { releaseShared(); releaseGroup() }
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

func (r *Reconciler) groupSlotsPerWorkspace() int {
	if r.GroupSlotsPerWorkspace > 0 {
		return r.GroupSlotsPerWorkspace
	}
	return 1
}

// sharedSlots are the slots shared with the user controller and their
// per-workspace size, or this controller's own.
func (r *Reconciler) sharedSlots() (*memberbackend.Slots, int) {
	if r.Slots != nil && r.SlotsPerWorkspace > 0 {
		return r.Slots, r.SlotsPerWorkspace
	}
	return &r.ownSlots, r.groupSlotsPerWorkspace()
}

// callTimeout bounds each call to ws's backend: CallTimeout, or the
// workspace's HTTP attempt timeout when that is longer.
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
// group that found no free slot tries again.
func (r *Reconciler) busyRetry() time.Duration {
	d := r.BusyRetry
	if d <= 0 {
		d = defaultBusyRetry
	}
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}
