package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers,verbs=get;list;watch;create;update;patch;delete

// Users reads WorkspaceUsers from the informer's indexes, overlaid with
// this replica's recent writes, and writes them to the API server. The
// users it returns are shared with the cache: callers must not change them.
type Users struct {
	indexer   toolscache.Indexer
	recent    *recentWrites
	snapshots sortedSnapshots
	writer    client.Writer
	apiReader client.Reader
}

// New builds the store on the manager's WorkspaceUser informer, which must
// not have started yet: it registers the store's indexes on it and one
// event handler that keeps the sorted snapshots and the recent writes in
// step with it. Writes go through writer; Fresh reads through apiReader.
// clk dates the recent writes.
func New(informer toolscache.SharedIndexInformer, writer client.Writer, apiReader client.Reader, clk clock.PassiveClock) (*Users, error) {
	if err := informer.AddIndexers(userIndexers()); err != nil {
		return nil, fmt.Errorf("add WorkspaceUser indexes: %w", err)
	}
	s := &Users{
		indexer:   informer.GetIndexer(),
		recent:    newRecentWrites(clk),
		writer:    writer,
		apiReader: apiReader,
	}
	if _, err := informer.AddEventHandler(s.eventHandler()); err != nil {
		return nil, fmt.Errorf("watch WorkspaceUsers: %w", err)
	}
	return s, nil
}

// Lookup returns the users of ws whose attribute attr equals value, in list
// order; attr is one of the attribute names filter.IndexableEquality
// returns (see Indexed). userName and emails.value compare
// case-insensitively. It reads one index bucket: its cost does not depend on
// the number of users.
func (s *Users) Lookup(ws Workspace, attr, value string) ([]*identityv1alpha1.WorkspaceUser, error) {
	index, ok := indexOfAttribute[attr]
	if !ok {
		return nil, fmt.Errorf("look up users by %s: the attribute has no index", attr)
	}
	users, err := s.lookup(ws, index, value)
	sortUsers(users)
	return users, err
}

// lookup returns the users of ws whose index entry equals value.
func (s *Users) lookup(ws Workspace, index, value string) ([]*identityv1alpha1.WorkspaceUser, error) {
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

// List returns every user of ws in list order: by creation, then by id.
// Without recent writes of this replica in ws it is the shared sorted
// snapshot: callers must not change the slice.
func (s *Users) List(ws Workspace) ([]*identityv1alpha1.WorkspaceUser, error) {
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
func (s *Users) eventHandler() toolscache.ResourceEventHandler {
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
func (s *Users) cachedUser(ws Workspace, uid types.UID) *identityv1alpha1.WorkspaceUser {
	objs, err := s.indexer.ByIndex(indexID, ws.key(string(uid)))
	if err != nil || len(objs) == 0 {
		return nil
	}
	u, _ := objs[0].(*identityv1alpha1.WorkspaceUser)
	return u
}

// Get returns the user of ws whose SCIM id (its UID) is id, or nil.
func (s *Users) Get(ws Workspace, id string) (*identityv1alpha1.WorkspaceUser, error) {
	users, err := s.lookup(ws, indexID, id)
	if err != nil || len(users) == 0 {
		return nil, err
	}
	return users[0], nil
}

// Fresh reads u again from the API server, bypassing the cache: for a
// retry after a conflict, or when the cache may lag behind another
// replica's write. The error is the API server's, unwrapped.
func (s *Users) Fresh(ctx context.Context, u *identityv1alpha1.WorkspaceUser) (*identityv1alpha1.WorkspaceUser, error) {
	got := &identityv1alpha1.WorkspaceUser{}
	if err := s.apiReader.Get(ctx, types.NamespacedName{Namespace: u.Namespace, Name: u.Name}, got); err != nil {
		return nil, err
	}
	return got, nil
}

// Create creates u in the API server and overlays it on reads until the
// cache has it. The error is the API server's, unwrapped, so that callers
// can tell its kind.
func (s *Users) Create(ctx context.Context, u *identityv1alpha1.WorkspaceUser) error {
	if err := s.writer.Create(ctx, u); err != nil {
		return err
	}
	s.recent.wrote(u)
	return nil
}

// Delete deletes u, on the condition that its UID and, when
// resourceVersion is not empty, its version are still u's, and hides it from
// reads at once. The error is the API server's, unwrapped.
func (s *Users) Delete(ctx context.Context, u *identityv1alpha1.WorkspaceUser, resourceVersion string) error {
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
