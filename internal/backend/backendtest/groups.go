package backendtest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// groupCases are the conformance cases of the group calls.
var groupCases = []testCase{
	{"GroupCreateThenObserve", testGroupCreate},
	{"GroupRenameKeepsMemberships", testGroupRename},
	{"GroupMembersInBatches", testGroupBatches},
	{"GroupIdempotentRepeats", testGroupIdempotent},
	{"GroupSkipsUnknownMembers", testGroupSkipsUnknownMembers},
	{"GroupMemberDeleteEndsMemberships", testGroupMemberDelete},
	{"GroupMemberDeactivateKeepsMemberships", testGroupMemberDeactivate},
	{"GroupDeleteRemovesMemberships", testGroupDelete},
	{"UnknownGroup", testUnknownGroup},
	{"GroupsAreIndependent", testGroupsIndependent},
	{"GroupUnicodeDisplayName", testGroupUnicode},
	{"GroupMembersSortedByteWise", testGroupMembersSorted},
	{"GroupBatchLimit", testGroupBatchLimit},
	{"ConcurrentAddsToOneGroup", testGroupConcurrentAdds},
}

func sampleGroup(key string) backend.Group {
	return backend.Group{Key: key, DisplayName: "Analysts", ExternalID: "grp-00aa-11bb"}
}

// seedMembers stores n members with keys <prefix>:m00000 and on, and
// returns the keys, sorted.
func seedMembers(t *testing.T, b backend.Backend, prefix string, n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("%s:m%05d", prefix, i)
		m := sample(keys[i])
		m.UserName = fmt.Sprintf("user%05d@example.com", i)
		mustUpsert(t, b, m)
	}
	return keys
}

func mustUpsertGroup(t *testing.T, b backend.Backend, g backend.Group) {
	t.Helper()
	if err := b.UpsertGroup(ctxFor(t), g); err != nil {
		t.Fatalf("upsert group %q: %v", g.Key, err)
	}
}

func mustObserveGroup(t *testing.T, b backend.Backend, want backend.Group) {
	t.Helper()
	got, found, err := b.ObserveGroup(ctxFor(t), want.Key)
	if err != nil {
		t.Fatalf("observe group %q: %v", want.Key, err)
	}
	if !found {
		t.Fatalf("observe group %q: not found", want.Key)
	}
	if got != want {
		t.Fatalf("group differs:\n got  %+v\n want %+v", got, want)
	}
}

func mustBeAbsentGroup(t *testing.T, b backend.Backend, key string) {
	t.Helper()
	g, found, err := b.ObserveGroup(ctxFor(t), key)
	if err != nil {
		t.Fatalf("observe group %q: %v", key, err)
	}
	if found {
		t.Fatalf("observe group %q: found %+v, want none", key, g)
	}
}

// addInBatches adds keys in calls of at most MaxGroupMembersPerCall keys.
func addInBatches(t *testing.T, b backend.Backend, group string, keys []string) {
	t.Helper()
	for chunk := range slices.Chunk(keys, backend.MaxGroupMembersPerCall) {
		if err := b.AddGroupMembers(ctxFor(t), group, chunk); err != nil {
			t.Fatalf("add %d members to group %q: %v", len(chunk), group, err)
		}
	}
}

func removeInBatches(t *testing.T, b backend.Backend, group string, keys []string) {
	t.Helper()
	for chunk := range slices.Chunk(keys, backend.MaxGroupMembersPerCall) {
		if err := b.RemoveGroupMembers(ctxFor(t), group, chunk); err != nil {
			t.Fatalf("remove %d members from group %q: %v", len(chunk), group, err)
		}
	}
}

// expectGroupMembers checks the group's members are exactly want, sorted.
func expectGroupMembers(t *testing.T, b backend.Backend, group string, want []string) {
	t.Helper()
	got, err := b.GroupMembers(ctxFor(t), group)
	if err != nil {
		t.Fatalf("members of group %q: %v", group, err)
	}
	if !slices.IsSorted(got) {
		t.Fatalf("members of group %q are not sorted: %s", group, abbreviate(got))
	}
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("members of group %q:\n got  %d: %s\n want %d: %s", group, len(got), abbreviate(got), len(want), abbreviate(want))
	}
}

// abbreviate shows a long key list by its ends.
func abbreviate(keys []string) string {
	if len(keys) <= 8 {
		return fmt.Sprint(keys)
	}
	return fmt.Sprintf("[%s ... %s]", strings.Join(keys[:4], " "), strings.Join(keys[len(keys)-4:], " "))
}

func testGroupCreate(t *testing.T, b backend.Backend, key string) {
	g := sampleGroup(key)
	mustBeAbsentGroup(t, b, key)
	mustUpsertGroup(t, b, g)
	mustObserveGroup(t, b, g)
	expectGroupMembers(t, b, key, nil)
}

func testGroupRename(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 3)
	mustUpsertGroup(t, b, sampleGroup(key))
	addInBatches(t, b, key, members)
	renamed := backend.Group{Key: key, DisplayName: "Senior Analysts"}
	mustUpsertGroup(t, b, renamed)
	mustObserveGroup(t, b, renamed)
	expectGroupMembers(t, b, key, members)
}

func testGroupBatches(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 2500)
	mustUpsertGroup(t, b, sampleGroup(key))
	addInBatches(t, b, key, members)
	expectGroupMembers(t, b, key, members)
	removeInBatches(t, b, key, members[:1200])
	expectGroupMembers(t, b, key, members[1200:])
	// Ending a membership leaves the member.
	mustObserve(t, b, members[0])
}

func testGroupIdempotent(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 4)
	g := sampleGroup(key)
	mustUpsertGroup(t, b, g)
	mustUpsertGroup(t, b, g)
	mustObserveGroup(t, b, g)
	addInBatches(t, b, key, members[:3])
	addInBatches(t, b, key, members[:3])
	expectGroupMembers(t, b, key, members[:3])
	// Overlapping additions, and a key repeated in one call.
	addInBatches(t, b, key, []string{members[2], members[3], members[3]})
	expectGroupMembers(t, b, key, members)
	removeInBatches(t, b, key, members[1:3])
	removeInBatches(t, b, key, members[1:3])
	expectGroupMembers(t, b, key, []string{members[0], members[3]})
	// Empty batches change nothing.
	if err := b.AddGroupMembers(ctxFor(t), key, nil); err != nil {
		t.Fatalf("add no members: %v", err)
	}
	if err := b.RemoveGroupMembers(ctxFor(t), key, nil); err != nil {
		t.Fatalf("remove no members: %v", err)
	}
	expectGroupMembers(t, b, key, []string{members[0], members[3]})
}

func testGroupSkipsUnknownMembers(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 2)
	mustUpsertGroup(t, b, sampleGroup(key))
	stranger := key + ":stranger"
	addInBatches(t, b, key, []string{members[0], stranger, members[1]})
	expectGroupMembers(t, b, key, members)
	// The skipped key left nothing behind: its member, once stored, is no member.
	mustUpsert(t, b, sample(stranger))
	expectGroupMembers(t, b, key, members)
	// Removing a key that is no member is fine.
	removeInBatches(t, b, key, []string{stranger, key + ":nobody"})
	expectGroupMembers(t, b, key, members)
}

func testGroupMemberDelete(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 3)
	other := key + ":other"
	mustUpsertGroup(t, b, sampleGroup(key))
	mustUpsertGroup(t, b, backend.Group{Key: other, DisplayName: "Other"})
	addInBatches(t, b, key, members)
	addInBatches(t, b, other, members)
	if err := b.Delete(ctxFor(t), members[1]); err != nil {
		t.Fatalf("delete member: %v", err)
	}
	rest := []string{members[0], members[2]}
	expectGroupMembers(t, b, key, rest)
	expectGroupMembers(t, b, other, rest)
	// The memberships are gone, not hidden: the member created again is in no group.
	mustUpsert(t, b, sample(members[1]))
	expectGroupMembers(t, b, key, rest)
	expectGroupMembers(t, b, other, rest)
}

func testGroupMemberDeactivate(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 2)
	mustUpsertGroup(t, b, sampleGroup(key))
	addInBatches(t, b, key, members)
	if err := b.Deactivate(ctxFor(t), members[0]); err != nil {
		t.Fatalf("deactivate member: %v", err)
	}
	if m := mustObserve(t, b, members[0]); m.Active {
		t.Fatal("member still active after Deactivate")
	}
	expectGroupMembers(t, b, key, members)
}

func testGroupDelete(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 3)
	g := sampleGroup(key)
	mustUpsertGroup(t, b, g)
	addInBatches(t, b, key, members)
	for range 2 {
		if err := b.DeleteGroup(ctxFor(t), key); err != nil {
			t.Fatalf("delete group: %v", err)
		}
		mustBeAbsentGroup(t, b, key)
		expectGroupMembers(t, b, key, nil)
	}
	// The memberships went with the group: one created again is empty.
	mustUpsertGroup(t, b, g)
	expectGroupMembers(t, b, key, nil)
	// The members stay.
	for _, k := range members {
		mustObserve(t, b, k)
	}
}

func testUnknownGroup(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 1)
	mustBeAbsentGroup(t, b, key)
	got, err := b.GroupMembers(ctxFor(t), key)
	if err != nil || len(got) != 0 {
		t.Fatalf("members of an unknown group = %v, %v; want none and no error", got, err)
	}
	for _, keys := range [][]string{members, nil} {
		err = b.AddGroupMembers(ctxFor(t), key, keys)
		if kind := backend.KindOf(err); err == nil || kind != backend.KindRejected {
			t.Fatalf("adding %d keys to an unknown group: error %v (kind %s), want a Rejected error", len(keys), err, kind)
		}
	}
	if err := b.RemoveGroupMembers(ctxFor(t), key, members); err != nil {
		t.Fatalf("removing from an unknown group: %v", err)
	}
	if err := b.DeleteGroup(ctxFor(t), key); err != nil {
		t.Fatalf("deleting an unknown group: %v", err)
	}
	mustBeAbsentGroup(t, b, key)
	expectGroupMembers(t, b, key, nil)
}

func testGroupsIndependent(t *testing.T, b backend.Backend, key string) {
	m := seedMembers(t, b, key, 3)
	a, c := key+":a", key+":c"
	ga, gc := backend.Group{Key: a, DisplayName: "A"}, backend.Group{Key: c, DisplayName: "C"}
	mustUpsertGroup(t, b, ga)
	mustUpsertGroup(t, b, gc)
	addInBatches(t, b, a, m[:2])
	addInBatches(t, b, c, []string{m[0], m[2]})
	removeInBatches(t, b, a, m[:1])
	expectGroupMembers(t, b, a, m[1:2])
	expectGroupMembers(t, b, c, []string{m[0], m[2]})
	mustUpsertGroup(t, b, backend.Group{Key: a, DisplayName: "A renamed"})
	mustObserveGroup(t, b, gc)
	if err := b.DeleteGroup(ctxFor(t), a); err != nil {
		t.Fatalf("delete group: %v", err)
	}
	mustObserveGroup(t, b, gc)
	expectGroupMembers(t, b, c, []string{m[0], m[2]})
}

func testGroupUnicode(t *testing.T, b backend.Backend, key string) {
	g := backend.Group{
		Key:         key,
		DisplayName: "Équipe 山田 🚀 \"quoted\" 'single' ; DROP TABLE groups; --",
		ExternalID:  strings.Repeat("ü", 300),
	}
	mustUpsertGroup(t, b, g)
	mustObserveGroup(t, b, g)
}

// Sorted means as Go compares strings, byte by byte, whatever the
// database's collation: upper case before lower case, '-' before digits.
func testGroupMembersSorted(t *testing.T, b backend.Backend, key string) {
	var keys []string
	for _, suffix := range []string{"b", "B", "a", "_a", "-z", "Z9", "10", "9", "a.b", "a-b"} {
		k := key + ":" + suffix
		mustUpsert(t, b, sample(k))
		keys = append(keys, k)
	}
	mustUpsertGroup(t, b, sampleGroup(key))
	addInBatches(t, b, key, keys)
	expectGroupMembers(t, b, key, keys)
}

func testGroupBatchLimit(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 1)
	mustUpsertGroup(t, b, sampleGroup(key))
	tooMany := make([]string, backend.MaxGroupMembersPerCall+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("%s:m%05d", key, i)
	}
	err := b.AddGroupMembers(ctxFor(t), key, tooMany)
	if kind := backend.KindOf(err); err == nil || kind != backend.KindRejected {
		t.Fatalf("adding %d keys: error %v (kind %s), want a Rejected error", len(tooMany), err, kind)
	}
	expectGroupMembers(t, b, key, nil)
	addInBatches(t, b, key, members)
	err = b.RemoveGroupMembers(ctxFor(t), key, tooMany)
	if kind := backend.KindOf(err); err == nil || kind != backend.KindRejected {
		t.Fatalf("removing %d keys: error %v (kind %s), want a Rejected error", len(tooMany), err, kind)
	}
	expectGroupMembers(t, b, key, members)
}

// Overlapping additions at once neither fail nor lose a membership.
func testGroupConcurrentAdds(t *testing.T, b backend.Backend, key string) {
	members := seedMembers(t, b, key, 400)
	mustUpsertGroup(t, b, sampleGroup(key))
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		// Writer w adds members [100w, 100w+200): each key by two writers,
		// the second writer's half in reverse order.
		chunk := slices.Clone(members[w*100 : min(w*100+200, len(members))])
		if w%2 == 1 {
			slices.Reverse(chunk)
		}
		wg.Go(func() {
			if err := b.AddGroupMembers(ctxFor(t), key, chunk); err != nil {
				errs <- fmt.Errorf("writer %d: %w", w, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent add: %v", err)
	}
	expectGroupMembers(t, b, key, members)
}
