package scimserver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers,verbs=get;list;watch;create;update;patch;delete

// userStore reads WorkspaceUsers from the informer's indexes, overlaid with
// this replica's recent writes, and writes them to the API server.
type userStore struct {
	indexer   toolscache.Indexer
	recent    *recentWrites
	snapshots sortedSnapshots
	writer    client.Writer
	apiReader client.Reader
}

// lookup returns the users of ws whose index entry equals value. It reads
// one index bucket: its cost does not depend on the number of users.
func (s *userStore) lookup(ws workspaceKey, index, value string) ([]*identityv1alpha1.WorkspaceUser, error) {
	key := ws.key(indexKeyOf(index, value))
	recent := s.recent.inWorkspace(ws) // before the cache read; see overlay
	cached, err := s.indexer.ByIndex(index, key)
	if err != nil {
		return nil, fmt.Errorf("look up users by %s: %w", index, err)
	}
	return overlay(recent, cached, func(u *identityv1alpha1.WorkspaceUser) bool {
		return hasIndexKey(u, index, key)
	}, func(uid types.UID) *identityv1alpha1.WorkspaceUser {
		return s.cachedUser(ws, uid)
	}), nil
}

// all returns every user of ws in list order. Without recent writes of this
// replica in ws it is the shared sorted snapshot: callers must not change it.
func (s *userStore) all(ws workspaceKey) ([]*identityv1alpha1.WorkspaceUser, error) {
	key := ws.key("")
	recent := s.recent.inWorkspace(ws) // before the cache read; see overlay
	users, err := s.snapshots.sorted(ws, func() ([]any, error) { return s.indexer.ByIndex(indexWorkspace, key) })
	if err != nil {
		return nil, fmt.Errorf("list the users of the workspace: %w", err)
	}
	if len(recent) == 0 {
		return users, nil
	}
	cached := make([]any, len(users))
	for i, u := range users {
		cached[i] = u
	}
	merged := overlay(recent, cached, func(*identityv1alpha1.WorkspaceUser) bool { return true },
		func(uid types.UID) *identityv1alpha1.WorkspaceUser { return s.cachedUser(ws, uid) })
	sortUsers(merged)
	return merged, nil
}

// eventHandler keeps the sorted snapshots and the recent writes in step with
// the informer. It is one handler, not two, so that a snapshot is always
// invalidated before the recent write it lacks is dropped: two handlers run
// on their own goroutines in no fixed order between them.
func (s *userStore) eventHandler() toolscache.ResourceEventHandler {
	snapshots, recent := s.snapshots.eventHandler(), s.recent.eventHandler()
	return toolscache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			snapshots.OnAdd(obj, initial)
			recent.OnAdd(obj, initial)
		},
		UpdateFunc: func(old, obj any) {
			snapshots.OnUpdate(old, obj)
			recent.OnUpdate(old, obj)
		},
		DeleteFunc: func(obj any) {
			snapshots.OnDelete(obj)
			recent.OnDelete(obj)
		},
	}
}

// cachedUser is the user the cache holds under uid, or nil.
func (s *userStore) cachedUser(ws workspaceKey, uid types.UID) *identityv1alpha1.WorkspaceUser {
	objs, err := s.indexer.ByIndex(indexID, ws.key(string(uid)))
	if err != nil || len(objs) == 0 {
		return nil
	}
	u, _ := objs[0].(*identityv1alpha1.WorkspaceUser)
	return u
}

// byID returns the user of ws whose SCIM id is id, or nil.
func (s *userStore) byID(ws workspaceKey, id string) (*identityv1alpha1.WorkspaceUser, error) {
	users, err := s.lookup(ws, indexID, id)
	if err != nil || len(users) == 0 {
		return nil, err
	}
	return users[0], nil
}

// fresh reads a user from the API server, for a retry after a conflict.
func (s *userStore) fresh(ctx context.Context, u *identityv1alpha1.WorkspaceUser) (*identityv1alpha1.WorkspaceUser, error) {
	got := &identityv1alpha1.WorkspaceUser{}
	if err := s.apiReader.Get(ctx, types.NamespacedName{Namespace: u.Namespace, Name: u.Name}, got); err != nil {
		return nil, err
	}
	return got, nil
}

func (s *userStore) create(ctx context.Context, u *identityv1alpha1.WorkspaceUser) error {
	if err := s.writer.Create(ctx, u); err != nil {
		return err
	}
	s.recent.wrote(u)
	return nil
}

func (s *userStore) update(ctx context.Context, u *identityv1alpha1.WorkspaceUser) error {
	if err := s.writer.Update(ctx, u); err != nil {
		return err
	}
	s.recent.wrote(u)
	return nil
}

func (s *userStore) delete(ctx context.Context, u *identityv1alpha1.WorkspaceUser, resourceVersion string) error {
	pre := client.Preconditions{UID: &u.UID}
	if resourceVersion != "" {
		pre.ResourceVersion = &resourceVersion
	}
	if err := s.writer.Delete(ctx, u, pre); err != nil {
		return err
	}
	s.recent.deleted(u)
	return nil
}

// sortUsers puts users in the stable list order: by creation, then by id.
func sortUsers(users []*identityv1alpha1.WorkspaceUser) {
	slices.SortFunc(users, func(a, b *identityv1alpha1.WorkspaceUser) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(string(a.UID), string(b.UID))
	})
}
