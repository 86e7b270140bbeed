package store

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	testingclock "k8s.io/utils/clock/testing"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

func testUser(uid, rv, userName string) *identityv1alpha1.WorkspaceUser {
	return &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "n-" + uid, UID: types.UID(uid), ResourceVersion: rv},
		Spec:       identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "ws"}, UserName: userName},
	}
}

func userNames(users []*identityv1alpha1.WorkspaceUser) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.Spec.UserName+"@"+u.ResourceVersion)
	}
	return out
}

// TestRecentWritesOverlay: the cases the overlay decides, against a real
// client-go indexer with the server's indexes.
func TestRecentWritesOverlay(t *testing.T) {
	ws := Workspace{Namespace: "ns", Name: "ws"}
	now := time.Now()
	tests := []struct {
		name    string
		cache   []*identityv1alpha1.WorkspaceUser
		wrote   []*identityv1alpha1.WorkspaceUser
		deleted []*identityv1alpha1.WorkspaceUser
		lookup  string
		want    []string
	}{
		{name: "a create the cache has not seen", wrote: []*identityv1alpha1.WorkspaceUser{testUser("1", "10", "a")}, lookup: "a", want: []string{"a@10"}},
		{name: "an update the cache has not seen", cache: []*identityv1alpha1.WorkspaceUser{testUser("1", "10", "a")},
			wrote: []*identityv1alpha1.WorkspaceUser{testUser("1", "11", "a")}, lookup: "a", want: []string{"a@11"}},
		{name: "a rename away from the looked-up name", cache: []*identityv1alpha1.WorkspaceUser{testUser("1", "10", "a")},
			wrote: []*identityv1alpha1.WorkspaceUser{testUser("1", "11", "b")}, lookup: "a", want: nil},
		{name: "a rename to the looked-up name", cache: []*identityv1alpha1.WorkspaceUser{testUser("1", "10", "a")},
			wrote: []*identityv1alpha1.WorkspaceUser{testUser("1", "11", "b")}, lookup: "b", want: []string{"b@11"}},
		{name: "the cache is newer than the write", cache: []*identityv1alpha1.WorkspaceUser{testUser("1", "12", "c")},
			wrote: []*identityv1alpha1.WorkspaceUser{testUser("1", "11", "b")}, lookup: "b", want: nil},
		{name: "a delete the cache has not seen", cache: []*identityv1alpha1.WorkspaceUser{testUser("1", "10", "a")},
			deleted: []*identityv1alpha1.WorkspaceUser{testUser("1", "10", "a")}, lookup: "a", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			indexer := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, userIndexers())
			for _, u := range tt.cache {
				if err := indexer.Add(u); err != nil {
					t.Fatal(err)
				}
			}
			store := &Users{indexer: indexer, recent: newRecentWrites(testingclock.NewFakePassiveClock(now))}
			for _, u := range tt.wrote {
				store.recent.wrote(u)
			}
			for _, u := range tt.deleted {
				store.recent.deleted(u)
			}
			got, err := store.lookup(ws, indexUserName, tt.lookup)
			if err != nil {
				t.Fatal(err)
			}
			if names := userNames(got); len(names) != len(tt.want) || (len(names) > 0 && names[0] != tt.want[0]) {
				t.Errorf("lookup %q = %v, want %v", tt.lookup, names, tt.want)
			}
		})
	}
}

func TestRecentWritesGoOnceObservedOrExpired(t *testing.T) {
	now := time.Now()
	clk := testingclock.NewFakePassiveClock(now)
	r := newRecentWrites(clk)
	ws := Workspace{Namespace: "ns", Name: "ws"}
	r.wrote(testUser("1", "10", "a"))
	r.wrote(testUser("2", "20", "b"))
	handler := r.eventHandler()
	handler.OnUpdate(nil, testUser("1", "9", "a"))
	if len(r.inWorkspace(ws)) != 2 {
		t.Fatal("an older version must not drop the entry")
	}
	handler.OnUpdate(nil, testUser("1", "10", "a"))
	if _, ok := r.inWorkspace(ws)["1"]; ok {
		t.Error("the entry stays after the cache saw its version")
	}
	clk.SetTime(now.Add(recentWriteTTL + time.Second))
	if len(r.inWorkspace(ws)) != 0 {
		t.Error("entries outlive their TTL")
	}
}

// staleRead is an indexer whose reads return what the cache held before an
// update, while the informer's handlers see the update during the read: the
// interleaving of a lookup with the informer catching up.
type staleRead struct {
	toolscache.Indexer
	before  toolscache.Indexer
	catchUp func()
}

func (s staleRead) ByIndex(index, key string) ([]any, error) {
	if index == indexID {
		// Looked up after the index read: the cache has caught up.
		return s.Indexer.ByIndex(index, key)
	}
	s.catchUp()
	return s.before.ByIndex(index, key)
}

// TestRecentWriteSeenWhileTheCacheCatchesUp: a lookup whose index read
// predates a write still sees the write when the informer reports the write
// (and the entry goes) during that read, or when the cache catches up
// between the index read and the overlay's look-up by id.
func TestRecentWriteSeenWhileTheCacheCatchesUp(t *testing.T) {
	ws := Workspace{Namespace: "ns", Name: "ws"}
	now := time.Now()
	byIndex := func(s *Users) ([]*identityv1alpha1.WorkspaceUser, error) { return s.lookup(ws, indexUserName, "b") }
	all := func(s *Users) ([]*identityv1alpha1.WorkspaceUser, error) { return s.List(ws) }
	for _, tt := range []struct {
		name string
		// handlerRan: the informer's handler has seen the write by the
		// time of the read (else only the cache has).
		handlerRan bool
		lookup     func(*Users) ([]*identityv1alpha1.WorkspaceUser, error)
	}{
		{"by index, the handler drops the write during the read", true, byIndex},
		{"all of the workspace, the handler drops the write during the read", true, all},
		{"by index, the cache catches up after the read, the handler has not run", false, byIndex},
		{"all of the workspace, the cache catches up after the read, the handler has not run", false, all},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, userIndexers())
			if err := before.Add(testUser("1", "10", "a")); err != nil {
				t.Fatal(err)
			}
			after := toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, userIndexers())
			written := testUser("1", "11", "b")
			if err := after.Add(written); err != nil {
				t.Fatal(err)
			}
			store := &Users{recent: newRecentWrites(testingclock.NewFakePassiveClock(now))}
			store.recent.wrote(written)
			handler := store.eventHandler()
			store.indexer = staleRead{Indexer: after, before: before, catchUp: func() {
				if tt.handlerRan {
					handler.OnUpdate(nil, written)
				}
			}}

			got, err := tt.lookup(store)
			if err != nil {
				t.Fatal(err)
			}
			if names := userNames(got); len(names) != 1 || names[0] != "b@11" {
				t.Errorf("got %v, want the write [b@11]", names)
			}
		})
	}
}
