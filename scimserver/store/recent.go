package store

import (
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// recentWriteTTL bounds how long a write is overlaid on the cache when the
// informer never reports it (it normally does within milliseconds).
const recentWriteTTL = 2 * time.Minute

// recentWrites is this replica's own writes that the informer cache may not
// have seen yet, so that a read right after a write sees it
// (read-your-writes). An entry goes as soon as the cache holds that version
// or a newer one; it is small because the cache lags by milliseconds.
type recentWrites struct {
	mu      sync.Mutex
	entries map[types.UID]*recentEntry
	clock   clock.PassiveClock
}

type recentEntry struct {
	workspace Workspace
	// user is the written object; nil when this replica deleted it.
	user    *identityv1alpha1.WorkspaceUser
	version string
	at      time.Time
}

func newRecentWrites(clk clock.PassiveClock) *recentWrites {
	return &recentWrites{entries: map[types.UID]*recentEntry{}, clock: clk}
}

// wrote records an object this replica created or updated.
func (r *recentWrites) wrote(u *identityv1alpha1.WorkspaceUser) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[u.UID] = &recentEntry{workspace: workspaceOf(u), user: u.DeepCopy(), version: u.ResourceVersion, at: r.clock.Now()}
}

// deleted records an object this replica deleted.
func (r *recentWrites) deleted(u *identityv1alpha1.WorkspaceUser) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[u.UID] = &recentEntry{workspace: workspaceOf(u), version: u.ResourceVersion, at: r.clock.Now()}
}

// eventHandler drops entries once the informer has caught up with them.
func (r *recentWrites) eventHandler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.observed(obj, false) },
		UpdateFunc: func(_, obj any) { r.observed(obj, false) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			r.observed(obj, true)
		},
	}
}

func (r *recentWrites) observed(obj any, gone bool) {
	u, ok := obj.(*identityv1alpha1.WorkspaceUser)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.entries[u.UID]
	if !ok {
		return
	}
	if gone || (e.user != nil && versionAtLeast(u.ResourceVersion, e.version)) {
		delete(r.entries, u.UID)
	}
}

// inWorkspace returns the live entries of one workspace, dropping expired ones.
func (r *recentWrites) inWorkspace(ws Workspace) map[types.UID]*recentEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	var out map[types.UID]*recentEntry
	for uid, e := range r.entries {
		if now.Sub(e.at) > recentWriteTTL {
			delete(r.entries, uid)
			continue
		}
		if e.workspace != ws {
			continue
		}
		if out == nil {
			out = map[types.UID]*recentEntry{}
		}
		out[uid] = e
	}
	return out
}

// overlay merges recent writes (entries, from inWorkspace) into users read
// from the cache under one index key: a newer written version replaces (or,
// if it no longer matches the key, removes) the cached one, and a deleted
// user disappears. A written user the cache read lacks is added when it
// matches, unless the cache now holds that version or a newer one
// (cachedUser looks it up by UID): then the cached user is added if it
// matches, since the read that lacked it came before the cache caught up.
// entries must be taken before the cache is read: an entry goes once the
// cache has its version, so entries taken after the read could miss a write
// the read did not see yet. overlay consumes entries.
func overlay(entries map[types.UID]*recentEntry, cached []any, matches func(*identityv1alpha1.WorkspaceUser) bool,
	cachedUser func(types.UID) *identityv1alpha1.WorkspaceUser) []*identityv1alpha1.WorkspaceUser {
	out := make([]*identityv1alpha1.WorkspaceUser, 0, len(cached))
	for _, obj := range cached {
		u, ok := obj.(*identityv1alpha1.WorkspaceUser)
		if !ok {
			continue
		}
		e, written := entries[u.UID]
		if !written {
			out = append(out, u)
			continue
		}
		delete(entries, u.UID)
		switch {
		case e.user == nil:
		case versionAtLeast(u.ResourceVersion, e.version):
			out = append(out, u)
		case matches(e.user):
			out = append(out, e.user)
		}
	}
	for uid, e := range entries {
		if e.user == nil {
			continue
		}
		if c := cachedUser(uid); c != nil && versionAtLeast(c.ResourceVersion, e.version) {
			if matches(c) {
				out = append(out, c)
			}
			continue
		}
		if matches(e.user) {
			out = append(out, e.user)
		}
	}
	return out
}

// versionAtLeast reports whether resourceVersion a is b or newer. Versions
// are opaque; the etcd revisions the API server uses compare as integers,
// and anything else only by equality.
func versionAtLeast(a, b string) bool {
	if a == b {
		return true
	}
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	return errA == nil && errB == nil && x >= y
}
