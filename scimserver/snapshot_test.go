package scimserver

import (
	"runtime"
	"testing"
	"weak"
)

// A sorted snapshot that a change made out of date must not keep the old
// user objects alive: after a workspace's users are all updated, the cache
// holds the new objects, and the snapshot would otherwise pin the old ones
// until the next unfiltered list (twice the memory of the workspace).
func TestOutdatedSnapshotReleasesItsUsers(t *testing.T) {
	var s sortedSnapshots
	ws := workspaceKey{Namespace: "ns", Name: "ws"}
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
