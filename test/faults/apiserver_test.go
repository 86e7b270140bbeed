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

// apiAnswerBound is how long a SCIM answer may take while the API server
// is gone: the SCIM server's API deadline (5 s by default) and a slack for
// a loaded machine.
const apiAnswerBound = 12 * time.Second

// TestAPIServerFrozenAndKilled provisions 200 users over SCIM while
// kube-apiserver is frozen for 10 s (SIGSTOP, then SIGCONT), and 200 more
// while it is killed (SIGKILL) and started again on the same etcd. While
// it is gone the SCIM server answers 503 with Retry-After within its
// deadline; afterwards every accepted user exists once and is in the store.
func TestAPIServerFrozenAndKilled(t *testing.T) {
	if err := shared.apiserver.Thaw(); err != nil { // it must be running
		t.Fatal(err)
	}
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	startManager(t, shared, logs, "manager", managerOpts{role: roleBoth, scimAddr: scim})
	ns := newNamespace(t, shared)
	w := newSQLiteWorkspace(t, shared, ns, "acme", t.TempDir(), identityv1alpha1.DeprovisionDelete)

	t.Run("sigstop", func(t *testing.T) {
		apiServerFault(t, w, scim, "apiserver-sigstop", func(t *testing.T) {
			if err := shared.apiserver.Freeze(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = shared.apiserver.Thaw() })
			time.Sleep(10 * time.Second)
			if err := shared.apiserver.Thaw(); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("sigkill", func(t *testing.T) {
		apiServerFault(t, w, scim, "apiserver-sigkill", func(t *testing.T) {
			if err := shared.apiserver.Kill(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Second)
			if err := shared.apiserver.Restart(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// apiServerFault runs 200 user creations, applies fault once 60 users
// are in, and checks the answers meanwhile and the outcome.
func apiServerFault(t *testing.T, w *workspace, scimAddr, scenario string, fault func(t *testing.T)) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const users = 200
	l := newLoad(w.client(scimAddr), 8)
	done := make(chan error, 1)
	go func() { done <- l.run(ctx, w.userNames(scenario, users)) }()
	if err := l.waitCreated(ctx, 60); err != nil {
		t.Fatal(err)
	}
	// While the fault lasts a probe POSTs a fresh user every 500 ms: the
	// load's own workers mostly wait out Retry-After then.
	win := &window{}
	win.open()
	stop := make(chan struct{})
	probed := make(chan error, 1)
	go func() {
		probed <- l.probe(ctx, stop, 500*time.Millisecond, func(i int) string { return w.userName(scenario+"-probe", i) }, win.add)
	}()
	fault(t)
	win.close()
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := <-probed; err != nil {
		t.Fatalf("probe: %v", err)
	}
	n503, noRetryAfter, other, slowest, summary := win.unavailable()
	t.Logf("answers to the probes sent during the fault: %s, slowest %s", summary, slowest.Round(time.Millisecond))
	if n503 == 0 {
		t.Errorf("no 503 while the API server was gone: %s", summary)
	}
	if noRetryAfter > 0 {
		t.Errorf("%d of %d 503 answers had no Retry-After", noRetryAfter, n503)
	}
	if other > 0 {
		t.Errorf("%d probes got neither 503 nor 201 (a hang shows as no-answer): %s", other, summary)
	}
	if slowest > apiAnswerBound {
		t.Errorf("an answer took %s while the API server was gone (bound %s)", slowest, apiAnswerBound)
	}
	accepted := keys(l)
	at, ty := w.waitConverged(t, accepted, 2*time.Minute)
	// The user controller's backoff doubles from 1 s while the API server is
	// gone, so the slowest users come back 15–30 s after it does.
	report(t, scenario, ty, max(at.Sub(win.ended()), 0), 2*time.Minute,
		fmt.Sprintf("answers_503=%d slowest_answer=%.1fs orphan_claims=%d", n503, slowest.Seconds(), l.orphanClaims()))
}

// keys is every userName the load saw created (a 201, or a 409 after an
// ambiguous answer).
func keys(l *load) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.ids))
	for k := range l.ids {
		out = append(out, k)
	}
	return out
}
