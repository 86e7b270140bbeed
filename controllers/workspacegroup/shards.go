package workspacegroup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/internal/indexes"
)

// shardsOf reads the group's member shards from the cache: the
// WorkspaceGroupMemberships labelled with its name whose groupRef names it,
// leaving out any owned by another WorkspaceGroup of that name (an earlier
// one, not yet garbage collected). The member lists are the cache's own:
// read, never changed.
func (r *Reconciler) shardsOf(ctx context.Context, group *identityv1alpha1.WorkspaceGroup) (groupmembers.Shards, error) {
	list := &identityv1alpha1.WorkspaceGroupMembershipList{}
	if err := r.List(ctx, list, client.InNamespace(group.Namespace),
		client.MatchingLabels{identityv1alpha1.LabelGroup: group.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list memberships of group %s: %w", group.Name, err)
	}
	shards := groupmembers.Shards{}
	for i := range list.Items {
		m := &list.Items[i]
		if m.Spec.GroupRef.Name != group.Name || ownedByAnother(m, group) {
			continue
		}
		if have, ok := shards[m.Spec.HashPrefix]; ok {
			// Two objects for one prefix: not written so, but read as one.
			merged := slices.Concat(have, m.Spec.Members)
			slices.Sort(merged)
			shards[m.Spec.HashPrefix] = slices.Compact(merged)
			continue
		}
		shards[m.Spec.HashPrefix] = m.Spec.Members
	}
	return shards, nil
}

func ownedByAnother(m *identityv1alpha1.WorkspaceGroupMembership, group *identityv1alpha1.WorkspaceGroup) bool {
	for _, ref := range m.OwnerReferences {
		if ref.Kind == "WorkspaceGroup" && ref.UID != group.UID {
			return true
		}
	}
	return false
}

// eachMember calls f once for every member of shards. Shards nest only
// while a split is half done; then the ids are deduplicated, otherwise
// they are read in place.
func eachMember(shards groupmembers.Shards, f func(id string)) {
	if nested(shards) {
		for _, id := range shards.Members() {
			f(id)
		}
		return
	}
	for _, members := range shards {
		for _, id := range members {
			f(id)
		}
	}
}

// nested reports whether a shard's prefix is a prefix of another's.
func nested(shards groupmembers.Shards) bool {
	for p := range shards {
		for q := range shards {
			if p != q && strings.HasPrefix(q, p) {
				return true
			}
		}
	}
	return false
}

// groupsListing returns the names of the groups of the workspace whose
// shards list id.
func (r *Reconciler) groupsListing(ctx context.Context, namespace, workspace, id string) ([]string, error) {
	groups := &identityv1alpha1.WorkspaceGroupList{}
	if err := r.List(ctx, groups, client.InNamespace(namespace), client.MatchingFields{indexes.GroupWorkspace: workspace},
		client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list groups of workspace %s: %w", workspace, err)
	}
	if len(groups.Items) == 0 {
		return nil, nil
	}
	inWorkspace := make(map[string]bool, len(groups.Items))
	for i := range groups.Items {
		inWorkspace[groups.Items[i].Name] = true
	}
	list := &identityv1alpha1.WorkspaceGroupMembershipList{}
	if err := r.List(ctx, list, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("list group memberships: %w", err)
	}
	byGroup := map[string]groupmembers.Shards{}
	for i := range list.Items {
		m := &list.Items[i]
		name := m.Spec.GroupRef.Name
		if !inWorkspace[name] {
			continue
		}
		if byGroup[name] == nil {
			byGroup[name] = groupmembers.Shards{}
		}
		byGroup[name][m.Spec.HashPrefix] = m.Spec.Members
	}
	var out []string
	for name, shards := range byGroup {
		if shards.Contains(id) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}
