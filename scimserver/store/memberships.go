package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
)

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacegroupmemberships,verbs=get;list;watch;create;update;delete

// membershipIndexGroup keys a group's shards by "<namespace>/<group name>".
const membershipIndexGroup = "scim.membership.group"

func shardScope(namespace, group string) string { return namespace + "/" + group }

var membershipIndexers = toolscache.Indexers{
	membershipIndexGroup: func(obj any) ([]string, error) {
		m, ok := obj.(*identityv1alpha1.WorkspaceGroupMembership)
		if !ok {
			return nil, nil
		}
		return []string{shardScope(m.Namespace, m.Spec.GroupRef.Name)}, nil
	},
}

// ErrShardNotRead is a plan that writes a shard the read did not return:
// the read is out of date; read Fresh and plan again.
var ErrShardNotRead = errors.New("the plan writes a shard that was not read")

// Members is a group's member list as read: the shards by hash prefix, and
// the objects they were read from (for conditional writes).
type Members struct {
	Shards  groupmembers.Shards
	Objects map[string]*identityv1alpha1.WorkspaceGroupMembership
}

// Memberships reads and writes the WorkspaceGroupMembership shards of
// groups: reads from the informer cache overlaid with this replica's recent
// writes (read-your-writes), or fresh from the API server after a lost
// race; writes conditional on the resourceVersion read.
type Memberships struct {
	// reads counts the reads of shards (Of and Fresh), so that a test can
	// tell a request that never read them.
	reads     atomic.Uint64
	indexer   toolscache.Indexer
	recent    *recentObjects[*identityv1alpha1.WorkspaceGroupMembership]
	writer    client.Writer
	apiReader client.Reader
}

// NewMemberships builds the store on the manager's WorkspaceGroupMembership
// informer, which must not have started yet.
func NewMemberships(informer toolscache.SharedIndexInformer, writer client.Writer, apiReader client.Reader, clk clock.PassiveClock) (*Memberships, error) {
	if err := informer.AddIndexers(membershipIndexers); err != nil {
		return nil, fmt.Errorf("add WorkspaceGroupMembership indexes: %w", err)
	}
	s := &Memberships{indexer: informer.GetIndexer(), recent: newRecentObjects[*identityv1alpha1.WorkspaceGroupMembership](clk),
		writer: writer, apiReader: apiReader}
	if _, err := informer.AddEventHandler(s.recent.eventHandler()); err != nil {
		return nil, fmt.Errorf("watch WorkspaceGroupMemberships: %w", err)
	}
	return s, nil
}

// Of returns g's members from the cache and this replica's recent writes.
// Only shards owned by g (its UID) count.
func (s *Memberships) Of(g *identityv1alpha1.WorkspaceGroup) Members {
	s.reads.Add(1)
	scope := shardScope(g.Namespace, g.Name)
	recent := s.recent.inScope(scope) // before the cache read
	objs, _ := s.indexer.ByIndex(membershipIndexGroup, scope)
	cached := make([]*identityv1alpha1.WorkspaceGroupMembership, 0, len(objs))
	for _, o := range objs {
		if m, ok := o.(*identityv1alpha1.WorkspaceGroupMembership); ok {
			cached = append(cached, m)
		}
	}
	if len(recent) > 0 {
		cached = overlayObjects(recent, cached, func(*identityv1alpha1.WorkspaceGroupMembership) bool { return true },
			func(k string) (*identityv1alpha1.WorkspaceGroupMembership, bool) {
				o, ok, err := s.indexer.GetByKey(k)
				if err != nil || !ok {
					return nil, false
				}
				m, ok := o.(*identityv1alpha1.WorkspaceGroupMembership)
				return m, ok
			})
	}
	return membersOf(g, cached)
}

// Reads is the number of reads of shards so far.
func (s *Memberships) Reads() uint64 { return s.reads.Load() }

// Fresh reads g's shards from the API server, for a plan after a lost race.
func (s *Memberships) Fresh(ctx context.Context, g *identityv1alpha1.WorkspaceGroup) (Members, error) {
	s.reads.Add(1)
	list := &identityv1alpha1.WorkspaceGroupMembershipList{}
	if err := s.apiReader.List(ctx, list, client.InNamespace(g.Namespace), client.MatchingLabels{identityv1alpha1.LabelGroup: g.Name}); err != nil {
		return Members{}, err
	}
	objs := make([]*identityv1alpha1.WorkspaceGroupMembership, len(list.Items))
	for i := range list.Items {
		objs[i] = &list.Items[i]
	}
	return membersOf(g, objs), nil
}

func membersOf(g *identityv1alpha1.WorkspaceGroup, objs []*identityv1alpha1.WorkspaceGroupMembership) Members {
	out := Members{Shards: groupmembers.Shards{}, Objects: map[string]*identityv1alpha1.WorkspaceGroupMembership{}}
	for _, m := range objs {
		if m.Spec.GroupRef.Name != g.Name || !ownedBy(m, g) || !m.DeletionTimestamp.IsZero() {
			continue
		}
		out.Shards[m.Spec.HashPrefix] = m.Spec.Members
		out.Objects[m.Spec.HashPrefix] = m
	}
	return out
}

func ownedBy(m *identityv1alpha1.WorkspaceGroupMembership, g *identityv1alpha1.WorkspaceGroup) bool {
	for _, ref := range m.OwnerReferences {
		if ref.UID == g.UID {
			return true
		}
	}
	return false
}

// Apply carries out a plan's writes in order on the shards of cur: creates
// with the group's labels and owner reference, updates and deletes
// conditional on the resourceVersion read. It stops at the first error,
// which is the API server's, unwrapped: a conflict, AlreadyExists or
// NotFound means another writer came first (read Fresh and plan again).
func (s *Memberships) Apply(ctx context.Context, g *identityv1alpha1.WorkspaceGroup, cur Members, writes []groupmembers.Write) error {
	scope := shardScope(g.Namespace, g.Name)
	for _, w := range writes {
		switch w.Op {
		case groupmembers.Create:
			m := &identityv1alpha1.WorkspaceGroupMembership{
				ObjectMeta: metav1.ObjectMeta{
					Namespace: g.Namespace,
					Name:      groupmembers.ShardName(g.Name, w.Prefix),
					Labels: map[string]string{
						identityv1alpha1.LabelWorkspace: g.Spec.WorkspaceRef.Name,
						identityv1alpha1.LabelGroup:     g.Name,
					},
					OwnerReferences: []metav1.OwnerReference{{
						APIVersion: identityv1alpha1.GroupVersion.String(),
						Kind:       "WorkspaceGroup",
						Name:       g.Name,
						UID:        g.UID,
					}},
				},
				Spec: identityv1alpha1.WorkspaceGroupMembershipSpec{
					GroupRef:   identityv1alpha1.GroupReference{Name: g.Name},
					HashPrefix: w.Prefix,
					Members:    w.Members,
				},
			}
			if err := s.writer.Create(ctx, m); err != nil {
				return err
			}
			s.recent.wrote(scope, m)
		case groupmembers.Update:
			old, ok := cur.Objects[w.Prefix]
			if !ok {
				return fmt.Errorf("update shard %q: %w", w.Prefix, ErrShardNotRead)
			}
			m := old.DeepCopy()
			m.Spec.Members = w.Members
			if err := s.writer.Update(ctx, m); err != nil {
				return err
			}
			s.recent.wrote(scope, m)
		case groupmembers.Delete:
			old, ok := cur.Objects[w.Prefix]
			if !ok {
				return fmt.Errorf("delete shard %q: %w", w.Prefix, ErrShardNotRead)
			}
			rv := old.ResourceVersion
			if err := s.writer.Delete(ctx, old, client.Preconditions{UID: &old.UID, ResourceVersion: &rv}); err != nil {
				return err
			}
			s.recent.deleted(scope, old)
		}
	}
	return nil
}
