package store

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testingclock "k8s.io/utils/clock/testing"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

func shard(name, uid, rv string, members ...string) *identityv1alpha1.WorkspaceGroupMembership {
	return &identityv1alpha1.WorkspaceGroupMembership{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(uid), ResourceVersion: rv},
		Spec:       identityv1alpha1.WorkspaceGroupMembershipSpec{Members: members},
	}
}

func names(objs []*identityv1alpha1.WorkspaceGroupMembership) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name+"@"+o.ResourceVersion)
	}
	return out
}

// TestRecentObjectsOverlay: the cases the overlay of groups and shards
// decides.
func TestRecentObjectsOverlay(t *testing.T) {
	all := func(*identityv1alpha1.WorkspaceGroupMembership) bool { return true }
	for _, tt := range []struct {
		name    string
		cache   []*identityv1alpha1.WorkspaceGroupMembership
		wrote   []*identityv1alpha1.WorkspaceGroupMembership
		deleted []*identityv1alpha1.WorkspaceGroupMembership
		want    []string
	}{
		{name: "a create the cache has not seen", wrote: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "5")}, want: []string{"m@5"}},
		{name: "an update the cache has not seen", cache: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "5")},
			wrote: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "6")}, want: []string{"m@6"}},
		{name: "the cache is newer", cache: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "7")},
			wrote: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "6")}, want: []string{"m@7"}},
		{name: "a delete the cache has not seen", cache: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "5")},
			deleted: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "5")}, want: nil},
		{name: "a newer object of the name after a delete", cache: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "2", "9")},
			deleted: []*identityv1alpha1.WorkspaceGroupMembership{shard("m", "1", "5")}, want: []string{"m@9"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecentObjects[*identityv1alpha1.WorkspaceGroupMembership](testingclock.NewFakePassiveClock(time.Now()))
			for _, o := range tt.wrote {
				r.wrote("g", o)
			}
			for _, o := range tt.deleted {
				r.deleted("g", o)
			}
			got := names(overlayObjects(r.inScope("g"), tt.cache, all, func(string) (*identityv1alpha1.WorkspaceGroupMembership, bool) { return nil, false }))
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRecentObjectsDroppedOnlyByTheirOwnObject: an event of another
// object of the same name (an older one's late delete) keeps the entry;
// the written object's own event at its version drops it.
func TestRecentObjectsDroppedOnlyByTheirOwnObject(t *testing.T) {
	now := time.Now()
	clk := testingclock.NewFakePassiveClock(now)
	r := newRecentObjects[*identityv1alpha1.WorkspaceGroupMembership](clk)
	r.wrote("g", shard("m", "2", "10"))
	h := r.eventHandler()
	h.OnDelete(shard("m", "1", "4"))
	if len(r.inScope("g")) != 1 {
		t.Fatal("a late delete of an older object of the name dropped the write")
	}
	h.OnUpdate(nil, shard("m", "2", "9"))
	if len(r.inScope("g")) != 1 {
		t.Fatal("an older version dropped the write")
	}
	h.OnUpdate(nil, shard("m", "2", "10"))
	if len(r.inScope("g")) != 0 {
		t.Fatal("the write stays after the cache saw it")
	}
	r.wrote("g", shard("n", "3", "11"))
	clk.SetTime(now.Add(recentWriteTTL + time.Second))
	if len(r.inScope("g")) != 0 {
		t.Fatal("entries outlive their TTL")
	}
}
