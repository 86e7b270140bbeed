package store

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// recentObjects is recentWrites for groups and membership shards: this
// replica's own writes, by object name, until the informer reports them or
// recentWriteTTL passes. A shard is deleted and never recreated under its
// name by a plan, but a hand-made one may be: an entry is dropped only by
// an event of the same object (its UID), so a late event of an older
// object of the name does not hide a newer write.
type recentObjects[T client.Object] struct {
	mu      sync.Mutex
	entries map[string]*recentObject[T]
	clock   clock.PassiveClock
}

type recentObject[T client.Object] struct {
	// scope groups the entries a read takes: a workspace, or a group's shards.
	scope string
	// obj is the written object; the zero T when deleted is set.
	obj     T
	deleted bool
	uid     types.UID
	version string
	at      time.Time
}

func newRecentObjects[T client.Object](clk clock.PassiveClock) *recentObjects[T] {
	return &recentObjects[T]{entries: map[string]*recentObject[T]{}, clock: clk}
}

func objectKey(o client.Object) string { return o.GetNamespace() + "/" + o.GetName() }

// wrote records an object this replica created or updated; obj must not be
// changed afterwards.
func (r *recentObjects[T]) wrote(scope string, obj T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.entries[objectKey(obj)] = &recentObject[T]{scope: scope, obj: obj, uid: obj.GetUID(), version: obj.GetResourceVersion(), at: r.clock.Now()}
}

// deleted records an object this replica deleted.
func (r *recentObjects[T]) deleted(scope string, obj T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var zero T
	r.entries[objectKey(obj)] = &recentObject[T]{scope: scope, obj: zero, deleted: true, uid: obj.GetUID(), version: obj.GetResourceVersion(), at: r.clock.Now()}
}

// eventHandler drops entries once the informer has caught up with them.
func (r *recentObjects[T]) eventHandler() toolscache.ResourceEventHandler {
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

func (r *recentObjects[T]) observed(obj any, gone bool) {
	o, ok := obj.(T)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := objectKey(o)
	e, ok := r.entries[key]
	if !ok || e.uid != o.GetUID() {
		return
	}
	if gone || (!e.deleted && versionAtLeast(o.GetResourceVersion(), e.version)) {
		delete(r.entries, key)
	}
}

// inScope returns the live entries of scope by object key, dropping
// expired ones. Take them before reading the cache (see overlayObjects).
func (r *recentObjects[T]) inScope(scope string) map[string]*recentObject[T] {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	var out map[string]*recentObject[T]
	for k, e := range r.entries {
		if now.Sub(e.at) > recentWriteTTL {
			delete(r.entries, k)
			continue
		}
		if e.scope != scope {
			continue
		}
		if out == nil {
			out = map[string]*recentObject[T]{}
		}
		out[k] = e
	}
	return out
}

// overlayObjects merges recent writes (from inScope, taken before the cache
// read) into objects read from the cache: a newer written version replaces
// the cached one or, when it no longer matches, removes it; a deleted object
// disappears unless the cache holds a newer object of the name. A written
// object the read lacks is added when it matches, unless the cache holds
// that version or a newer one by now (cached looks it up by key): then the
// cached object is added if it matches. overlayObjects consumes entries.
func overlayObjects[T client.Object](entries map[string]*recentObject[T], cached []T, matches func(T) bool, lookup func(key string) (T, bool)) []T {
	out := make([]T, 0, len(cached))
	for _, o := range cached {
		key := objectKey(o)
		e, written := entries[key]
		if !written {
			out = append(out, o)
			continue
		}
		delete(entries, key)
		switch {
		case e.uid != o.GetUID() && versionAtLeast(o.GetResourceVersion(), e.version):
			// A newer object of the name than the one written.
			out = append(out, o)
		case e.deleted:
		case versionAtLeast(o.GetResourceVersion(), e.version):
			out = append(out, o)
		case matches(e.obj):
			out = append(out, e.obj)
		}
	}
	for key, e := range entries {
		if e.deleted {
			continue
		}
		if c, ok := lookup(key); ok && versionAtLeast(c.GetResourceVersion(), e.version) {
			if matches(c) {
				out = append(out, c)
			}
			continue
		}
		if matches(e.obj) {
			out = append(out, e.obj)
		}
	}
	return out
}
