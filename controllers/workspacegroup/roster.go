package workspacegroup

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/letin"
)

// rosterEntry is what a group reconcile needs of one WorkspaceUser.
type rosterEntry struct {
	namespace, workspace string
	// id is the part of the user's member key (backendkey.Member: its
	// status, its backend-key annotation, else its UID) after
	// "<namespace>:<workspace>:", when that is not the user's UID: a key the
	// SCIM server minted, or one a restored user kept. It shares the
	// string of the cached object.
	id string
	// memberKey is the user's member key when it is not of that form at
	// all, else "": no entry should hold one.
	memberKey string
	// state is the user's let-in state now; settled is the last In or Out
	// it had (Out for a user first seen Unknown), for the watch to tell
	// whether a change can matter to a group.
	state, settled letin.State
}

// key is the entry's member key for the user with uid.
func (e rosterEntry) key(uid types.UID) string {
	switch {
	case e.memberKey != "":
		return e.memberKey
	case e.id != "":
		return backendkey.For(e.namespace, e.workspace, types.UID(e.id))
	}
	return backendkey.For(e.namespace, e.workspace, uid)
}

// keyID is the part of the entry's key after the workspace's prefix, for
// the user with uid (meaningful only when memberKey is "").
func (e rosterEntry) keyID(uid types.UID) string {
	if e.id != "" {
		return e.id
	}
	return string(uid)
}

// roster is the let-in state of every WorkspaceUser by UID, kept by the
// controller's watch of WorkspaceUsers (userEvents) from the shared
// informer: a group of 50,000 members is compared with the backend by
// 50,000 map lookups, with no list of users and no copies. It holds a few
// dozen bytes per user, beside the cached objects it is computed from. The
// watch's handler updates it before it enqueues anything, and the
// controller starts its workers only once the handler has seen the
// initial list, so a reconcile never reads it behind the cache.
type roster struct {
	mu    sync.RWMutex
	users map[types.UID]rosterEntry
}

// set records u and returns the entry it had, if any.
func (r *roster) set(u *identityv1alpha1.WorkspaceUser) (old rosterEntry, existed bool, now rosterEntry) {
	now = rosterEntry{namespace: u.Namespace, workspace: u.Spec.WorkspaceRef.Name, state: letin.Of(u).State}
	key := backendkey.Member(u)
	if id, ok := backendkey.ID(key, now.namespace, now.workspace); !ok {
		now.memberKey = key
	} else if id != string(u.UID) {
		now.id = id
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.users == nil {
		r.users = map[types.UID]rosterEntry{}
	}
	old, existed = r.users[u.UID]
	now.settled = now.state
	if now.state == letin.Unknown {
		now.settled = old.settled // Out when there was no entry
	}
	r.users[u.UID] = now
	return old, existed, now
}

// remove forgets the user with uid and returns the entry it had, if any.
func (r *roster) remove(uid types.UID) (old rosterEntry, existed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, existed = r.users[uid]
	delete(r.users, uid)
	return old, existed
}

// read calls f with a lookup of the roster, under one read lock.
func (r *roster) read(f func(lookup func(types.UID) (rosterEntry, bool))) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f(func(uid types.UID) (rosterEntry, bool) {
		e, ok := r.users[uid]
		return e, ok
	})
}

// moved reports whether a user's change from old to now can change what
// a group holds in the backend: it settled In or Out other than it last
// settled, or its key changed. Becoming Unknown changes nothing (the
// backend is left as it is), and so does coming back to the state it
// had before: an edit of a let-in user (In, Unknown while the user
// controller catches up, In) queues no group.
func moved(old rosterEntry, existed bool, now rosterEntry) bool {
	if !existed {
		old.settled = letin.Out
	}
	if now.state == letin.Unknown {
		return false
	}
	return now.settled != old.settled || now.memberKey != old.memberKey || now.id != old.id
}

// userEvents keeps the roster and enqueues the groups of the user's
// workspace that list the user, when its let-in state moved or it was
// deleted. The initial list enqueues nothing: every group is reconciled
// at start anyway.
func (r *Reconciler) userEvents() handler.EventHandler {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q queue) {
			if u, ok := e.Object.(*identityv1alpha1.WorkspaceUser); ok {
				old, existed, now := r.roster.set(u)
				if !e.IsInInitialList && moved(old, existed, now) {
					r.enqueueGroupsOf(ctx, u, q)
				}
			}
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q queue) {
			if u, ok := e.ObjectNew.(*identityv1alpha1.WorkspaceUser); ok {
				if old, existed, now := r.roster.set(u); moved(old, existed, now) {
					r.enqueueGroupsOf(ctx, u, q)
				}
			}
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q queue) {
			if u, ok := e.Object.(*identityv1alpha1.WorkspaceUser); ok {
				if old, existed := r.roster.remove(u.UID); existed && old.state != letin.Out {
					r.enqueueGroupsOf(ctx, u, q)
				}
			}
		},
	}
}

// enqueueGroupsOf adds the groups of u's workspace whose shards list u's UID.
func (r *Reconciler) enqueueGroupsOf(ctx context.Context, u *identityv1alpha1.WorkspaceUser, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	groups, err := r.groupsListing(ctx, u.Namespace, u.Spec.WorkspaceRef.Name, string(u.UID))
	if err != nil {
		log.FromContext(ctx).Error(err, "find the groups of a user", "workspaceuser", client.ObjectKeyFromObject(u))
		return
	}
	for _, name := range groups {
		q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: u.Namespace, Name: name}})
	}
}
