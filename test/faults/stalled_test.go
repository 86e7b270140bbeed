//go:build faults

package faults

import (
	"context"
	"testing"
	"time"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// TestStalledBackendDoesNotHoldUpAnotherWorkspace gives one workspace an
// HTTP backend that accepts connections and never answers, creates 50
// users there, then 100 users in a second workspace (SQLite): those sync
// on time while the first workspace's users wait with a reason.
func TestStalledBackendDoesNotHoldUpAnotherWorkspace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	startManager(t, shared, logs, "manager", managerOpts{role: roleBoth, scimAddr: scim})
	ns := newNamespace(t, shared)
	hole := newBlackhole(t)
	creds := httpbackendtest.Start("member-token", "member-signing-key") // only its credentials are used
	t.Cleanup(creds.Close)
	stalled := newHTTPWorkspace(t, shared, ns, "stalled", "http://"+hole.addr()+httpbackendtest.BasePath, creds, 10*time.Second) // the default timeout
	healthy := newSQLiteWorkspace(t, shared, ns, "healthy", t.TempDir(), identityv1alpha1.DeprovisionDelete)

	ls := newLoad(stalled.client(scim), 8)
	if err := ls.run(ctx, stalled.userNames("stalled", 50)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the stalled workspace's calls are now hanging
	lh := newLoad(healthy.client(scim), 8)
	if err := lh.run(ctx, healthy.userNames("healthy", 100)); err != nil {
		t.Fatal(err)
	}
	posted := time.Now()
	at, ty := healthy.waitConverged(t, keys(lh), time.Minute)
	reasons, synced, stored, err := stalled.observeOutage(ctx, keys(ls), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if synced+stored > 0 || reasons[identityv1alpha1.ReasonBackendUnavailable]+reasons[identityv1alpha1.ReasonBackendBusy] == 0 {
		t.Errorf("stalled workspace: reasons %v, %d synced, %d stored; want Synced=False with a backend reason", reasons, synced, stored)
	}
	// On time: the healthy workspace's 100 users within 30 s of their POSTs,
	// however many calls to the stalled one hang.
	report(t, "stalled-backend", ty, max(at.Sub(posted), 0), 30*time.Second, "stalled_reasons="+formatCounts(reasons))
}
