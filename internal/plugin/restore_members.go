package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
)

// memberships writes each restored group's members, translated to the
// users' new SCIM ids, into its shards, as the SCIM server would write
// them. It only adds: a member the group has now and the backup has not
// stays. It returns how many members it left out.
func (r *restorer) memberships(ctx context.Context, b *backup) (int, error) {
	backedUp := map[string]groupmembers.Shards{}
	for _, m := range b.memberships {
		group := m.Spec.GroupRef.Name
		if backedUp[group] == nil {
			backedUp[group] = groupmembers.Shards{}
		}
		// A split left half done holds an id in two shards: Members
		// counts it once.
		backedUp[group][m.Spec.HashPrefix] = m.Spec.Members
	}
	left := 0
	for i := range b.groups {
		g, ok := r.groups[b.groups[i].Name]
		if !ok {
			continue // not restored: said already
		}
		ids, missing := r.translate(g, backedUp[g.Name].Members())
		for _, id := range missing {
			r.printf("  LEFT OUT     member %s of workspacegroup %s: no restored user of its workspace had that SCIM id\n", id, g.Name)
		}
		left += len(missing)
		written, err := r.writeMembers(ctx, g, ids)
		if err != nil {
			return left, fmt.Errorf("restore the members of workspacegroup %s: %w", g.Name, err)
		}
		r.created[kindWorkspaceGroupMembership] += written
		r.printf("  members      workspacegroup %s: %d members, %d membership shards written\n", g.Name, len(ids), written)
	}
	return left, nil
}

// translate maps the old SCIM ids of g's members to its users' new ones;
// missing are the ids no user of g's workspace had in the backup.
func (r *restorer) translate(g *identityv1alpha1.WorkspaceGroup, old []string) (ids, missing []string) {
	for _, id := range old {
		u, ok := r.ids[id]
		if !ok || u.workspace != g.Spec.WorkspaceRef.Name {
			missing = append(missing, id)
			continue
		}
		ids = append(ids, u.uid)
	}
	slices.Sort(ids)
	return slices.Compact(ids), missing
}

// writeMembers adds ids to g's shards with groupmembers.Plan, the SCIM
// server's placement, and returns how many shard writes it made.
func (r *restorer) writeMembers(ctx context.Context, g *identityv1alpha1.WorkspaceGroup, ids []string) (int, error) {
	list := &identityv1alpha1.WorkspaceGroupMembershipList{}
	if err := r.c.List(ctx, list, client.InNamespace(g.Namespace), client.MatchingLabels{identityv1alpha1.LabelGroup: g.Name}); err != nil {
		return 0, fmt.Errorf("list its memberships: %w", err)
	}
	cur := groupmembers.Shards{}
	objects := map[string]*identityv1alpha1.WorkspaceGroupMembership{}
	for i := range list.Items {
		m := &list.Items[i]
		if m.Spec.GroupRef.Name != g.Name || !m.DeletionTimestamp.IsZero() {
			continue
		}
		if !ownedByUID(m.OwnerReferences, string(g.UID)) {
			// A shard of an earlier group of this name: garbage, which the
			// garbage collector removes once it sees its owner gone. It
			// goes now, so that the group's own shard can take its name.
			if err := r.deleteShard(ctx, m); err != nil {
				return 0, err
			}
			r.printf("  %-12s membership shard %s of an earlier workspacegroup %s (SCIM id %s)\n", "removed", m.Name, g.Name, ownerUIDs(m))
			continue
		}
		cur[m.Spec.HashPrefix] = m.Spec.Members
		objects[m.Spec.HashPrefix] = m
	}
	writes := groupmembers.Plan(cur, ids, nil, identityv1alpha1.MaxMembersPerMembership)
	for _, w := range writes {
		switch w.Op {
		case groupmembers.Create:
			if err := r.c.Create(ctx, newShard(g, w)); err != nil {
				return 0, fmt.Errorf("create shard %s: %w", groupmembers.ShardName(g.Name, w.Prefix), err)
			}
		case groupmembers.Update:
			m := objects[w.Prefix].DeepCopy()
			m.Spec.Members = w.Members
			if err := r.c.Update(ctx, m); err != nil {
				return 0, fmt.Errorf("update shard %s: %w", m.Name, err)
			}
		case groupmembers.Delete:
			if err := r.deleteShard(ctx, objects[w.Prefix]); err != nil {
				return 0, err
			}
		}
	}
	return len(writes), nil
}

// deleteShard deletes m as read: not a shard written since.
func (r *restorer) deleteShard(ctx context.Context, m *identityv1alpha1.WorkspaceGroupMembership) error {
	rv := m.ResourceVersion
	if err := r.c.Delete(ctx, m, client.Preconditions{UID: &m.UID, ResourceVersion: &rv}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete shard %s: %w", m.Name, err)
	}
	return nil
}

func ownerUIDs(m *identityv1alpha1.WorkspaceGroupMembership) string {
	var uids []string
	for _, ref := range m.OwnerReferences {
		uids = append(uids, string(ref.UID))
	}
	if len(uids) == 0 {
		return "none"
	}
	return strings.Join(uids, ", ")
}

// newShard is the shard a Create write makes, labelled and owned by the
// group as the SCIM server makes it (scimserver/store.Memberships.Apply):
// the group reads only the shards its UID owns.
func newShard(g *identityv1alpha1.WorkspaceGroup, w groupmembers.Write) *identityv1alpha1.WorkspaceGroupMembership {
	return &identityv1alpha1.WorkspaceGroupMembership{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: g.Namespace,
			Name:      groupmembers.ShardName(g.Name, w.Prefix),
			Labels: map[string]string{
				identityv1alpha1.LabelWorkspace: g.Spec.WorkspaceRef.Name,
				identityv1alpha1.LabelGroup:     g.Name,
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: identityv1alpha1.GroupVersion.String(),
				Kind:       kindGroup,
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
}
