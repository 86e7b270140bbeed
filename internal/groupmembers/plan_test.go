package groupmembers_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/groupmembers"
)

func ids(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	return out
}

// apply carries out writes as the SCIM server would, failing on a write
// that does not fit the state.
func apply(t *testing.T, s groupmembers.Shards, writes []groupmembers.Write) groupmembers.Shards {
	t.Helper()
	next := groupmembers.Shards{}
	for p, m := range s {
		next[p] = m
	}
	for _, w := range writes {
		_, exists := next[w.Prefix]
		switch w.Op {
		case groupmembers.Create:
			if exists {
				t.Fatalf("create of existing shard %q", w.Prefix)
			}
			next[w.Prefix] = w.Members
		case groupmembers.Update:
			if !exists {
				t.Fatalf("update of missing shard %q", w.Prefix)
			}
			next[w.Prefix] = w.Members
		case groupmembers.Delete:
			if !exists {
				t.Fatalf("delete of missing shard %q", w.Prefix)
			}
			delete(next, w.Prefix)
		}
	}
	return next
}

func TestSmallGroupIsOneShard(t *testing.T) {
	s := apply(t, groupmembers.Shards{}, groupmembers.Plan(groupmembers.Shards{}, ids(0, 3), nil, 5000))
	if len(s) != 1 || len(s[""]) != 3 {
		t.Fatalf("shards = %v, want one root shard of 3", s)
	}
	for _, id := range ids(0, 3) {
		if !s.Contains(id) {
			t.Errorf("member %s missing", id)
		}
	}
	if s.Contains(ids(3, 4)[0]) {
		t.Errorf("non-member found")
	}
}

func TestFullShardSplitsIntoSixteen(t *testing.T) {
	const max = 100
	s := groupmembers.Shards{}
	all := ids(0, 1000)
	for i := 0; i < len(all); i += 250 {
		s = apply(t, s, groupmembers.Plan(s, all[i:i+250], nil, max))
		for p, m := range s {
			if len(m) > max {
				t.Fatalf("shard %q holds %d, over %d", p, len(m), max)
			}
			if !slices.IsSorted(m) {
				t.Fatalf("shard %q not sorted", p)
			}
		}
	}
	if _, root := s[""]; root {
		t.Errorf("root shard kept after the split")
	}
	if got := s.Members(); !slices.Equal(got, all) {
		t.Fatalf("members after splits: %d, want %d", len(got), len(all))
	}
	if s.Len() != 1000 || s.Largest() > max {
		t.Errorf("Len %d Largest %d", s.Len(), s.Largest())
	}
}

func TestRemoveAndRepeat(t *testing.T) {
	s := apply(t, groupmembers.Shards{}, groupmembers.Plan(groupmembers.Shards{}, ids(0, 500), nil, 100))
	s = apply(t, s, groupmembers.Plan(s, nil, ids(0, 250), 100))
	if got := s.Members(); !slices.Equal(got, ids(250, 500)) {
		t.Fatalf("after removal: %d members", len(got))
	}
	if w := groupmembers.Plan(s, ids(250, 500), ids(0, 250), 100); len(w) != 0 {
		t.Errorf("repeating the same change plans %d writes, want none", len(w))
	}
}

func TestAddedAndRemovedInOneChangeIsRemoved(t *testing.T) {
	s := apply(t, groupmembers.Shards{}, groupmembers.Plan(groupmembers.Shards{}, ids(0, 2), ids(1, 2), 100))
	if got := s.Members(); !slices.Equal(got, ids(0, 1)) {
		t.Fatalf("members = %v", got)
	}
}

// A writer that stopped half way through a split left the parent next to
// some of its children: reads still see every member once, a removal
// removes from both, and the next plan finishes the split.
func TestHalfDoneSplitReadsTheSameAndIsFinished(t *testing.T) {
	all := ids(0, 300)
	whole := groupmembers.Shards{"": all}
	writes := groupmembers.Plan(whole, ids(300, 301), nil, 200)
	var partial []groupmembers.Write
	for _, w := range writes {
		if w.Op == groupmembers.Create && len(partial) < 5 {
			partial = append(partial, w)
		}
	}
	half := apply(t, whole, partial)
	if len(half) != 6 {
		t.Fatalf("half-done state has %d shards, want 6", len(half))
	}
	if got := half.Members(); len(got) < 300 || !half.Contains(all[7]) {
		t.Fatalf("half-done state lost members: %d", len(got))
	}
	gone := all[0]
	done := apply(t, half, groupmembers.Plan(half, nil, []string{gone}, 200))
	if done.Contains(gone) {
		t.Errorf("removed member still found")
	}
	if _, root := done[""]; root || len(done) != 16 {
		t.Errorf("split not finished: %d shards, root kept %v", len(done), root)
	}
	// The half-done writes may or may not have carried the added id.
	got := slices.DeleteFunc(done.Members(), func(id string) bool { return id == ids(300, 301)[0] })
	if !slices.Equal(got, all[1:]) {
		t.Errorf("members after finishing: %d, want %d", len(got), len(all)-1)
	}
}

// A shard deleted by hand leaves a gap: an id that falls in it gets a new
// shard next to its siblings, not a root shard that would cover them.
func TestGapGetsItsOwnShard(t *testing.T) {
	s := apply(t, groupmembers.Shards{}, groupmembers.Plan(groupmembers.Shards{}, ids(0, 400), nil, 100))
	var victim string
	for p := range s {
		victim = p
		break
	}
	delete(s, victim)
	var lost []string
	for _, id := range ids(0, 400) {
		if !s.Contains(id) {
			lost = append(lost, id)
		}
	}
	s = apply(t, s, groupmembers.Plan(s, lost, nil, 100))
	if _, root := s[""]; root {
		t.Errorf("gap filled with a root shard")
	}
	if got := s.Members(); !slices.Equal(got, ids(0, 400)) {
		t.Errorf("members after filling the gap: %d", len(got))
	}
}
