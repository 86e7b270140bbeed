package store

import (
	"runtime"
	"testing"
	"weak"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// A sorted snapshot that a change made out of date must not keep the old
// user objects alive: after a workspace's users are all updated, the cache
// holds the new objects, and the snapshot would otherwise pin the old ones
// until the next unfiltered list (twice the memory of the workspace).
func TestOutdatedSnapshotReleasesItsUsers(t *testing.T) {
	var s sortedSnapshots
	ws := Workspace{Namespace: "ns", Name: "ws"}
	old := testUser("uid-1", "1", "ada@example.com")
	ref := weak.Make(old)
	if users, err := s.sorted(ws, func() ([]any, error) { return []any{old}, nil }); err != nil || len(users) != 1 {
		t.Fatalf("sorted = %v, %v", users, err)
	}
	old = nil // drop the test's own reference

	s.invalidate(ws)
	runtime.GC()
	if ref.Value() != nil {
		t.Fatal("an out-of-date snapshot still holds the users it was built from")
	}
	runtime.KeepAlive(&s)
}

func TestSortedSnapshotIsRebuiltAfterAChange(t *testing.T) {
	ws := Workspace{Namespace: "ns", Name: "ws"}
	var s sortedSnapshots
	loads := 0
	users := []any{testUser("b", "1", "b"), testUser("a", "2", "a")}
	load := func() ([]any, error) { loads++; return users, nil }
	for i := 0; i < 3; i++ {
		got, err := s.sorted(ws, load)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].UID != "a" {
			t.Fatalf("sorted = %v, want a then b (same creation time, by id)", userNames(got))
		}
	}
	if loads != 1 {
		t.Errorf("loaded %d times for 3 lists without a change, want 1", loads)
	}
	users = append(users, testUser("c", "3", "c"))
	s.eventHandler().OnAdd(testUser("c", "3", "c"), false)
	got, _ := s.sorted(ws, load)
	if len(got) != 3 || loads != 2 {
		t.Errorf("after a change: %d users after %d loads, want 3 after 2", len(got), loads)
	}
	s.eventHandler().OnAdd(&identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{Namespace: "other"}}, false)
	if _, _ = s.sorted(ws, load); loads != 2 {
		t.Error("a change in another workspace rebuilt this one")
	}
}
