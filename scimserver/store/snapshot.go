package store

import (
	"sync"

	toolscache "k8s.io/client-go/tools/cache"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// sortedSnapshots keeps each workspace's users in list order, so that paging
// through a large workspace (Okta's import) sorts once, not once per page. A
// snapshot is rebuilt on the first list after any change in its workspace.
type sortedSnapshots struct {
	mu   sync.Mutex
	byWS map[Workspace]*snapshot
}

type snapshot struct {
	users []*identityv1alpha1.WorkspaceUser
	// generation counts changes; a build keeps its result only when no
	// change came while it ran.
	generation uint64
	valid      bool
}

func (s *sortedSnapshots) entry(ws Workspace) *snapshot {
	if s.byWS == nil {
		s.byWS = map[Workspace]*snapshot{}
	}
	sn, ok := s.byWS[ws]
	if !ok {
		sn = &snapshot{}
		s.byWS[ws] = sn
	}
	return sn
}

// invalidate marks ws's snapshot out of date and lets go of its users, so
// that it never keeps objects the cache has replaced alive.
func (s *sortedSnapshots) invalidate(ws Workspace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := s.entry(ws)
	sn.generation++
	sn.users, sn.valid = nil, false
}

// sorted returns ws's users in list order, building the snapshot with load
// when it is out of date. The result is shared: callers must not change it.
func (s *sortedSnapshots) sorted(ws Workspace, load func() ([]any, error)) ([]*identityv1alpha1.WorkspaceUser, error) {
	s.mu.Lock()
	sn := s.entry(ws)
	if sn.valid {
		users := sn.users
		s.mu.Unlock()
		return users, nil
	}
	generation := sn.generation
	s.mu.Unlock()

	objs, err := load()
	if err != nil {
		return nil, err
	}
	users := make([]*identityv1alpha1.WorkspaceUser, 0, len(objs))
	for _, obj := range objs {
		if u, ok := obj.(*identityv1alpha1.WorkspaceUser); ok {
			users = append(users, u)
		}
	}
	sortUsers(users)

	s.mu.Lock()
	if sn.generation == generation {
		sn.users, sn.valid = users, true
	}
	s.mu.Unlock()
	return users, nil
}

// eventHandler invalidates the snapshot of the workspace a user event touches.
func (s *sortedSnapshots) eventHandler() toolscache.ResourceEventHandler {
	touch := func(obj any) {
		if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		if u, ok := obj.(*identityv1alpha1.WorkspaceUser); ok {
			s.invalidate(workspaceOf(u))
		}
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    touch,
		UpdateFunc: func(_, obj any) { touch(obj) },
		DeleteFunc: touch,
	}
}
