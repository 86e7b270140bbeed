package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacegroups,verbs=get;list;watch;create;update;patch;delete

// Indexes of the WorkspaceGroup informer; keys start with the workspace.
const (
	groupIndexWorkspace   = "scim.group.workspace"
	groupIndexID          = "scim.group.id"
	groupIndexDisplayName = "scim.group.displayName"
	groupIndexExternalID  = "scim.group.externalId"
)

// Group attributes Groups.Lookup answers from an index.
const (
	GroupID          = "id"
	GroupDisplayName = "displayName"
	GroupExternalID  = "externalId"
)

var groupIndexOfAttribute = map[string]string{
	GroupID:          groupIndexID,
	GroupDisplayName: groupIndexDisplayName,
	GroupExternalID:  groupIndexExternalID,
}

// DisplayNameKey is a group's displayName as uniqueness compares it:
// lower-cased and NFC-normalised, so "Sales" and "SALES" are one group.
func DisplayNameKey(displayName string) string {
	return norm.NFC.String(strings.ToLower(displayName))
}

// SameDisplayName reports whether two displayNames name the same group.
func SameDisplayName(a, b string) bool { return DisplayNameKey(a) == DisplayNameKey(b) }

func groupWorkspace(g *identityv1alpha1.WorkspaceGroup) Workspace {
	return Workspace{Namespace: g.Namespace, Name: g.Spec.WorkspaceRef.Name}
}

func byGroup(values func(*identityv1alpha1.WorkspaceGroup) []string) toolscache.IndexFunc {
	return func(obj any) ([]string, error) {
		g, ok := obj.(*identityv1alpha1.WorkspaceGroup)
		// A group being deleted is gone for SCIM, and its displayName free.
		if !ok || !g.DeletionTimestamp.IsZero() {
			return nil, nil
		}
		ws := groupWorkspace(g)
		vals := values(g)
		keys := make([]string, len(vals))
		for i, v := range vals {
			keys[i] = ws.key(v)
		}
		return keys, nil
	}
}

func groupIndexKeyOf(index, value string) string {
	if index == groupIndexDisplayName {
		return DisplayNameKey(value)
	}
	return value
}

var groupIndexers = toolscache.Indexers{
	groupIndexWorkspace: byGroup(func(*identityv1alpha1.WorkspaceGroup) []string { return []string{""} }),
	groupIndexID:        byGroup(func(g *identityv1alpha1.WorkspaceGroup) []string { return []string{string(g.UID)} }),
	groupIndexDisplayName: byGroup(func(g *identityv1alpha1.WorkspaceGroup) []string {
		return []string{groupIndexKeyOf(groupIndexDisplayName, g.Spec.DisplayName)}
	}),
	groupIndexExternalID: byGroup(func(g *identityv1alpha1.WorkspaceGroup) []string {
		if g.Spec.ExternalID == "" {
			return nil
		}
		return []string{g.Spec.ExternalID}
	}),
}

func groupHasIndexKey(g *identityv1alpha1.WorkspaceGroup, index, key string) bool {
	keys, _ := groupIndexers[index](g)
	return slices.Contains(keys, key)
}

// Groups reads WorkspaceGroups from the informer's indexes, overlaid with
// this replica's recent writes, and writes them to the API server. The
// groups it returns are shared with the cache: callers must not change them.
type Groups struct {
	indexer   toolscache.Indexer
	recent    *recentObjects[*identityv1alpha1.WorkspaceGroup]
	writer    client.Writer
	apiReader client.Reader
}

// NewGroups builds the group store on the manager's WorkspaceGroup
// informer, which must not have started yet.
func NewGroups(informer toolscache.SharedIndexInformer, writer client.Writer, apiReader client.Reader, clk clock.PassiveClock) (*Groups, error) {
	if err := informer.AddIndexers(groupIndexers); err != nil {
		return nil, fmt.Errorf("add WorkspaceGroup indexes: %w", err)
	}
	s := &Groups{indexer: informer.GetIndexer(), recent: newRecentObjects[*identityv1alpha1.WorkspaceGroup](clk), writer: writer, apiReader: apiReader}
	if _, err := informer.AddEventHandler(s.recent.eventHandler()); err != nil {
		return nil, fmt.Errorf("watch WorkspaceGroups: %w", err)
	}
	return s, nil
}

// Indexed reports whether Lookup answers attr.
func (s *Groups) Indexed(attr string) bool {
	_, ok := groupIndexOfAttribute[attr]
	return ok
}

// Lookup returns the groups of ws whose attr (GroupID, GroupDisplayName,
// GroupExternalID) equals value, in list order. displayName compares
// case-insensitively.
func (s *Groups) Lookup(ws Workspace, attr, value string) ([]*identityv1alpha1.WorkspaceGroup, error) {
	index, ok := groupIndexOfAttribute[attr]
	if !ok {
		return nil, fmt.Errorf("look up groups by %s: the attribute has no index", attr)
	}
	return s.read(ws, index, ws.key(groupIndexKeyOf(index, value)))
}

// List returns every group of ws in list order: by creation, then by id.
func (s *Groups) List(ws Workspace) ([]*identityv1alpha1.WorkspaceGroup, error) {
	return s.read(ws, groupIndexWorkspace, ws.key(""))
}

// Get returns the group of ws whose SCIM id (its UID) is id, or nil.
func (s *Groups) Get(ws Workspace, id string) (*identityv1alpha1.WorkspaceGroup, error) {
	groups, err := s.Lookup(ws, GroupID, id)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	return groups[0], nil
}

func (s *Groups) read(ws Workspace, index, key string) ([]*identityv1alpha1.WorkspaceGroup, error) {
	recent := s.recent.inScope(ws.String()) // before the cache read
	objs, err := s.indexer.ByIndex(index, key)
	if err != nil {
		return nil, fmt.Errorf("look up groups by %s: %w", index, err)
	}
	cached := make([]*identityv1alpha1.WorkspaceGroup, 0, len(objs))
	for _, o := range objs {
		if g, ok := o.(*identityv1alpha1.WorkspaceGroup); ok {
			cached = append(cached, g)
		}
	}
	var out []*identityv1alpha1.WorkspaceGroup
	if len(recent) > 0 {
		out = overlayObjects(recent, cached, func(g *identityv1alpha1.WorkspaceGroup) bool {
			return groupHasIndexKey(g, index, key)
		}, func(k string) (*identityv1alpha1.WorkspaceGroup, bool) {
			o, ok, err := s.indexer.GetByKey(k)
			if err != nil || !ok {
				return nil, false
			}
			g, ok := o.(*identityv1alpha1.WorkspaceGroup)
			return g, ok
		})
	} else {
		out = slices.Clone(cached)
	}
	sortGroups(out)
	return out, nil
}

// Fresh reads g again from the API server, bypassing the cache.
func (s *Groups) Fresh(ctx context.Context, g *identityv1alpha1.WorkspaceGroup) (*identityv1alpha1.WorkspaceGroup, error) {
	got := &identityv1alpha1.WorkspaceGroup{}
	if err := s.apiReader.Get(ctx, types.NamespacedName{Namespace: g.Namespace, Name: g.Name}, got); err != nil {
		return nil, err
	}
	return got, nil
}

// Create creates g and overlays it on reads until the cache has it. The
// error is the API server's, unwrapped.
func (s *Groups) Create(ctx context.Context, g *identityv1alpha1.WorkspaceGroup) error {
	if err := s.writer.Create(ctx, g); err != nil {
		return err
	}
	s.recent.wrote(groupWorkspace(g).String(), g.DeepCopy())
	return nil
}

// Delete deletes g on the condition that its UID (and, when not empty,
// resourceVersion) is still g's, and hides it from reads at once.
func (s *Groups) Delete(ctx context.Context, g *identityv1alpha1.WorkspaceGroup, resourceVersion string) error {
	pre := client.Preconditions{UID: &g.UID}
	if resourceVersion != "" {
		pre.ResourceVersion = &resourceVersion
	}
	if err := s.writer.Delete(ctx, g, pre); err != nil {
		return err
	}
	s.recent.deleted(groupWorkspace(g).String(), g)
	return nil
}

func sortGroups(groups []*identityv1alpha1.WorkspaceGroup) {
	slices.SortFunc(groups, func(a, b *identityv1alpha1.WorkspaceGroup) int {
		if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(string(a.UID), string(b.UID))
	})
}
