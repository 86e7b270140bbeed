//go:build faults

package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// acquired is what client-go's leader election logs when it takes the lease.
const acquired = "Successfully acquired lease"

// TestLeaderElectionHandover runs two controller processes with leader
// election and a SCIM server, kills the leader with SIGKILL while 200
// users are provisioned, and measures how long the other takes to lead;
// provisioning then completes.
func TestLeaderElectionHandover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	leaseNS := newNamespace(t, shared)
	opts := managerOpts{role: roleControllers, scimAddr: scim, leaderElect: leaseNS}
	ctrls := []*proc{
		startManager(t, shared, logs, "controllers-1", opts),
		startManager(t, shared, logs, "controllers-2", opts),
	}
	startManager(t, shared, logs, "scim", managerOpts{role: roleSCIM, scimAddr: scim})
	var leader, follower *proc
	err := eventually(ctx, time.Minute, 100*time.Millisecond, func() error {
		for i, p := range ctrls {
			if p.logged(acquired) {
				leader, follower = p, ctrls[1-i]
				return nil
			}
		}
		return fmt.Errorf("no controller process leads")
	})
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, shared)
	w := newSQLiteWorkspace(t, shared, ns, "acme", t.TempDir(), identityv1alpha1.DeprovisionDelete)
	waitSCIM(t, w.client(scim))

	l := newLoad(w.client(scim), 8)
	done := make(chan error, 1)
	go func() { done <- l.run(ctx, w.userNames("handover", 200)) }()
	if err := l.waitCreated(ctx, 60); err != nil {
		t.Fatal(err)
	}
	leader.kill()
	killedAt := time.Now()
	if follower.logged(acquired) {
		t.Fatalf("%s led before the leader was killed", follower.name)
	}
	err = eventually(ctx, time.Minute, 100*time.Millisecond, func() error {
		if !follower.logged(acquired) {
			return fmt.Errorf("%s has not taken the lease", follower.name)
		}
		return nil
	})
	handover := time.Since(killedAt)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	at, ty := w.waitConverged(t, keys(l), 2*time.Minute)
	report(t, "leader-handover", ty, max(at.Sub(killedAt.Add(handover)), 0), time.Minute,
		fmt.Sprintf("handover=%.1fs", handover.Seconds()))
	// The lease lasts 15 s and is retried every 2 s (controller-runtime's
	// defaults): a handover past 30 s is a fault of its own.
	if handover > 30*time.Second {
		t.Errorf("handover took %s", handover)
	}
}
