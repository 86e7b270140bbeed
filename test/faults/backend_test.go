//go:build faults

package faults

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

const outage = 10 * time.Second

// TestBackendUnavailable makes a workspace's member backend unavailable
// for 10 s while users are created: a SQLite store the test holds an
// exclusive write lock on, and an HTTP backend that stops listening. The
// users wait with Synced=False and a reason, none reaches the store while
// it lasts, and all converge afterwards.
func TestBackendUnavailable(t *testing.T) {
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	startManager(t, shared, logs, "manager", managerOpts{role: roleBoth, scimAddr: scim})

	t.Run("sqlite-locked", func(t *testing.T) {
		ns := newNamespace(t, shared)
		w := newSQLiteWorkspace(t, shared, ns, "acme", t.TempDir(), identityv1alpha1.DeprovisionDelete)
		var unlock func()
		backendOutage(t, w, scim, "sqlite-locked",
			func() { unlock = lockSQLite(t, w.sqlitePath) },
			func() { unlock() })
	})
	t.Run("http-backend-down", func(t *testing.T) {
		srv := httpbackendtest.Start("member-token", "member-signing-key")
		t.Cleanup(srv.Close)
		proxy := newSwitchProxy(t, strings.TrimPrefix(srv.Server.URL, "http://"))
		ns := newNamespace(t, shared)
		w := newHTTPWorkspace(t, shared, ns, "acme", "http://"+proxy.addr+httpbackendtest.BasePath, srv, 3*time.Second)
		backendOutage(t, w, scim, "http-backend-down", proxy.Down, func() {
			if err := proxy.Up(); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// backendOutage provisions 20 users, breaks the backend, creates 100 more
// while it is broken, checks what they show, restores it and waits for
// every user to converge.
func backendOutage(t *testing.T, w *workspace, scimAddr, scenario string, breakIt, restore func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	before := newLoad(w.client(scimAddr), 8)
	if err := before.run(ctx, w.userNames(scenario+"-before", 20)); err != nil {
		t.Fatal(err)
	}
	w.waitConverged(t, keys(before), time.Minute)

	breakIt()
	brokeAt := time.Now()
	during := newLoad(w.client(scimAddr), 8)
	if err := during.run(ctx, w.userNames(scenario, 100)); err != nil {
		restore()
		t.Fatal(err)
	}
	reasons, synced, stored, err := w.observeOutage(ctx, keys(during), brokeAt.Add(outage))
	restore()
	restoredAt := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("while the backend was unavailable: Synced=False reasons %v; %d synced, %d in the store", reasons, synced, stored)
	if reasons[identityv1alpha1.ReasonBackendUnavailable]+reasons[identityv1alpha1.ReasonBackendBusy] == 0 {
		t.Errorf("no user showed Synced=False with reason %s or %s while the backend was unavailable: %v",
			identityv1alpha1.ReasonBackendUnavailable, identityv1alpha1.ReasonBackendBusy, reasons)
	}
	if synced+stored > 0 {
		t.Errorf("%d users Synced and %d members stored while the backend was unavailable", synced, stored)
	}
	accepted := append(keys(before), keys(during)...)
	at, ty := w.waitConverged(t, accepted, 2*time.Minute)
	report(t, scenario, ty, max(at.Sub(restoredAt), 0), time.Minute, "reasons="+formatCounts(reasons))
}

// observeOutage watches the users created during the outage until until:
// it returns, at the end, how many show each Synced=False reason, how
// many are Synced, and how many have a member in the store.
func (w *workspace) observeOutage(ctx context.Context, userNames []string, until time.Time) (map[string]int, int, int, error) {
	want := map[string]bool{}
	for _, u := range userNames {
		want[strings.ToLower(u)] = true
	}
	var reasons map[string]int
	var synced, stored int
	for {
		users, err := w.users(ctx)
		if err != nil {
			return nil, 0, 0, err
		}
		reasons, synced = map[string]int{}, 0
		for _, u := range users {
			if !want[strings.ToLower(u.Spec.UserName)] {
				continue
			}
			c := meta.FindStatusCondition(u.Status.Conditions, identityv1alpha1.ConditionSynced)
			switch {
			case c == nil:
				reasons["(none)"]++
			case c.Status == "True":
				synced++
			default:
				reasons[c.Reason]++
			}
		}
		members, err := w.members()
		if err != nil {
			return nil, 0, 0, err
		}
		stored = 0
		for _, m := range members {
			if want[strings.ToLower(m.userName)] {
				stored++
			}
		}
		if time.Now().After(until) {
			return reasons, synced, stored, nil
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// lockSQLite takes the SQLite store's write lock (BEGIN EXCLUSIVE on a
// connection of its own) and returns the function that releases it.
func lockSQLite(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatalf("lock %s: %v", path, err)
	}
	released := false
	release := func() {
		if released {
			return
		}
		released = true
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Errorf("unlock %s: %v", path, err)
		}
		_ = conn.Close()
		_ = db.Close()
	}
	t.Cleanup(release)
	return release
}

func formatCounts(m map[string]int) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s:%d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
