//go:build faults

package faults

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// TestTwoSCIMServersRace runs two SCIM server processes for one
// workspace and sends each the same requests at once: POSTs of the same
// 40 userNames, then renames of 20 pairs of users to one new userName per
// pair. Each userName ends with exactly one user and one member.
func TestTwoSCIMServersRace(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	logs := t.TempDir()
	scimA, scimB := testenv.FreeAddr(t), testenv.FreeAddr(t)
	startManager(t, shared, logs, "scim-a", managerOpts{role: roleBoth, scimAddr: scimA})
	startManager(t, shared, logs, "scim-b", managerOpts{role: roleSCIM, scimAddr: scimB})
	ns := newNamespace(t, shared)
	w := newSQLiteWorkspace(t, shared, ns, "acme", t.TempDir(), identityv1alpha1.DeprovisionDelete)
	a, b := newLoad(w.client(scimA), 1), newLoad(w.client(scimB), 1)
	waitSCIM(t, a.c)
	waitSCIM(t, b.c)

	t.Run("create", func(t *testing.T) {
		names := w.userNames("race", 40)
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(names))
		for _, name := range names {
			gate := make(chan struct{})
			for _, l := range []*load{a, b} {
				wg.Go(func() {
					<-gate
					if err := l.createOne(ctx, name, nil); err != nil {
						errs <- err
					}
				})
			}
			close(gate)
		}
		wg.Wait()
		close(errs)
		// The loser of each race gets 409 uniqueness at once: that answer
		// ends its createOne with an error naming it.
		lost409 := 0
		for err := range errs {
			if !strings.Contains(err.Error(), ": 409 ") || !strings.Contains(err.Error(), `"uniqueness"`) {
				t.Errorf("loser of a race: %v", err)
			}
			lost409++
		}
		if lost409 != len(names) {
			t.Errorf("%d races answered 409 uniqueness to one side, want %d", lost409, len(names))
		}
		twice := 0
		for _, name := range names {
			if a.got201[name] && b.got201[name] {
				twice++
			}
			if !a.got201[name] && !b.got201[name] {
				t.Errorf("%s: neither server answered 201", name)
			}
		}
		if twice > 0 {
			t.Errorf("%d userNames answered 201 by both servers", twice)
		}
		at, ty := w.waitConverged(t, names, time.Minute)
		ty.duplicated += twice
		report(t, "scim-race-create", ty, at.Sub(start), time.Minute,
			fmt.Sprintf("created_by_a=%d created_by_b=%d", len(a.got201), len(b.got201)))
	})

	t.Run("rename", func(t *testing.T) {
		l := newLoad(a.c, 8)
		names := w.userNames("rename", 40)
		if err := l.run(ctx, names); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		final := map[string]bool{}
		won := map[int][]int{} // pair → statuses
		start := time.Now()
		var wg sync.WaitGroup
		for i := range 20 {
			target := w.userName("renamed", i)
			gate := make(chan struct{})
			for j, c := range []*scimClient{a.c, b.c} {
				from := names[i+20*j]
				wg.Go(func() {
					<-gate
					ans := c.rename(ctx, l.id(from), target)
					mu.Lock()
					defer mu.Unlock()
					won[i] = append(won[i], ans.status)
					if ans.status == http.StatusOK {
						final[target] = true
					} else {
						final[from] = true
					}
				})
			}
			close(gate)
		}
		wg.Wait()
		bothWon := 0
		for i, statuses := range won {
			ok := 0
			for _, s := range statuses {
				if s == http.StatusOK {
					ok++
				}
			}
			if ok != 1 {
				t.Errorf("pair %d: renames answered %v, want one 200 and one 409", i, statuses)
			}
			if ok > 1 {
				bothWon++
			}
		}
		var accepted []string
		for name := range final {
			accepted = append(accepted, name)
		}
		at, ty := w.waitConverged(t, accepted, time.Minute)
		ty.duplicated += bothWon
		report(t, "scim-race-rename", ty, at.Sub(start), time.Minute, fmt.Sprintf("pairs=20 both_renamed=%d", bothWon))
	})
}
