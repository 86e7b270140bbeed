//go:build faults

package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// tally is what a workspace holds for a set of accepted userNames.
type tally struct {
	users      int // accepted userNames
	lost       int // accepted, with no member in the store
	missing    int // accepted, with no WorkspaceUser
	duplicated int // userNames with more than one WorkspaceUser or member
	notSynced  int // accepted, whose WorkspaceUser is not Synced=True
}

func (ty tally) converged() bool {
	return ty.lost == 0 && ty.missing == 0 && ty.duplicated == 0 && ty.notSynced == 0
}

func (ty tally) String() string {
	return fmt.Sprintf("users=%d lost=%d missing=%d duplicated=%d not_synced=%d", ty.users, ty.lost, ty.missing, ty.duplicated, ty.notSynced)
}

// count compares the workspace's WorkspaceUsers and members with accepted.
func (w *workspace) count(ctx context.Context, accepted []string) (tally, error) {
	ty := tally{users: len(accepted)}
	users, err := w.users(ctx)
	if err != nil {
		return ty, err
	}
	members, err := w.members()
	if err != nil {
		return ty, err
	}
	byName := map[string][]identityv1alpha1.WorkspaceUser{}
	for _, u := range users {
		k := strings.ToLower(u.Spec.UserName)
		byName[k] = append(byName[k], u)
	}
	stored := map[string]int{}
	for _, m := range members {
		stored[strings.ToLower(m.userName)]++
	}
	dup := map[string]bool{}
	for k, us := range byName {
		if len(us) > 1 {
			dup[k] = true
		}
	}
	for k, n := range stored {
		if n > 1 {
			dup[k] = true
		}
	}
	ty.duplicated = len(dup)
	for _, name := range accepted {
		k := strings.ToLower(name)
		if stored[k] == 0 {
			ty.lost++
		}
		us := byName[k]
		if len(us) == 0 {
			ty.missing++
			continue
		}
		if !meta.IsStatusConditionTrue(us[0].Status.Conditions, identityv1alpha1.ConditionSynced) {
			ty.notSynced++
		}
	}
	return ty, nil
}

// waitConverged polls until every accepted userName has exactly one
// WorkspaceUser, Synced, and one member, and returns when it first saw that.
func (w *workspace) waitConverged(t *testing.T, accepted []string, timeout time.Duration) (time.Time, tally) {
	t.Helper()
	ctx := context.Background()
	var last tally
	err := eventually(ctx, timeout, 250*time.Millisecond, func() error {
		ty, err := w.count(ctx, accepted)
		if err != nil {
			return err
		}
		last = ty
		if !ty.converged() {
			return fmt.Errorf("not converged: %s", ty)
		}
		return nil
	})
	if err != nil {
		t.Errorf("workspace %s/%s: %v", w.ns, w.name, err)
	}
	return time.Now(), last
}

// report prints the scenario's figures line and fails the test on any
// lost or duplicated user, or a convergence slower than bound.
func report(t *testing.T, scenario string, ty tally, convergedAfter, bound time.Duration, extra ...string) {
	t.Helper()
	line := fmt.Sprintf("FAULT %s: users=%d lost=%d duplicated=%d converged_after=%.1fs", scenario,
		ty.users, ty.lost+ty.missing, ty.duplicated, convergedAfter.Seconds())
	if len(extra) > 0 {
		line += " " + strings.Join(extra, " ")
	}
	fmt.Println(line)
	if ty.lost+ty.missing > 0 {
		t.Errorf("%s: %d accepted users lost (%s)", scenario, ty.lost+ty.missing, ty)
	}
	if ty.duplicated > 0 {
		t.Errorf("%s: %d userNames duplicated (%s)", scenario, ty.duplicated, ty)
	}
	if ty.notSynced > 0 {
		t.Errorf("%s: %d users never synced (%s)", scenario, ty.notSynced, ty)
	}
	if convergedAfter > bound {
		t.Errorf("%s: converged after %s, bound %s", scenario, convergedAfter.Round(100*time.Millisecond), bound)
	}
}
