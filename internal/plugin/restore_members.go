package plugin

import (
	"context"
	"fmt"
	"slices"

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
	others := map[string]bool{} // shard names another (earlier) group of the name owns
	for i := range list.Items {
		m := &list.Items[i]
		if m.Spec.GroupRef.Name != g.Name {
			continue
		}
		if !ownedByUID(m.OwnerReferences, string(g.UID)) || !m.DeletionTimestamp.IsZero() {
			others[m.Name] = true
			continue
		}
		cur[m.Spec.HashPrefix] = m.Spec.Members
		objects[m.Spec.HashPrefix] = m
	}
	writes := groupmembers.Plan(cur, ids, nil, identityv1alpha1.MaxMembersPerMembership)
	for _, w := range writes {
		switch w.Op {
		case groupmembers.Create:
			name := groupmembers.ShardName(g.Name, w.Prefix)
			if others[name] {
				return 0, fmt.Errorf("shard %s belongs to an earlier group %s (another UID): wait until the garbage "+
					"collector has removed it, or delete it, and restore again", name, g.Name)
			}
			if err := r.c.Create(ctx, newShard(g, w)); err != nil {
				return 0, fmt.Errorf("create shard %s: %w", name, err)
			}
		case groupmembers.Update:
			m := objects[w.Prefix].DeepCopy()
			m.Spec.Members = w.Members
			if err := r.c.Update(ctx, m); err != nil {
				return 0, fmt.Errorf("update shard %s: %w", m.Name, err)
			}
		case groupmembers.Delete:
			old := objects[w.Prefix]
			rv := old.ResourceVersion
			if err := r.c.Delete(ctx, old, client.Preconditions{UID: &old.UID, ResourceVersion: &rv}); err != nil {
				return 0, fmt.Errorf("delete shard %s: %w", old.Name, err)
			}
		}
	}
	return len(writes), nil
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
