package scimserver

import (
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// userGroups is the read-only groups attribute of a user (RFC 7643
// §4.1.2): the groups of the workspace whose shards hold its id, each as
// value (the group's id), display, $ref and type "direct". It reads every
// group's shards from the cache: one hash and a binary search per group.
func (q *request) userGroups(u *identityv1alpha1.WorkspaceUser) []any {
	groups, err := q.groups.List(q.key)
	if err != nil {
		return nil
	}
	out := []any{}
	for _, g := range groups {
		if q.members.Of(g).Shards.Contains(string(u.UID)) {
			out = append(out, map[string]any{
				"value":   string(g.UID),
				"display": g.Spec.DisplayName,
				"$ref":    q.groupLocation(g),
				"type":    "direct",
			})
		}
	}
	return out
}

// withGroups adds the groups attribute to a user's resource when the user
// is in any group.
func (q *request) withGroups(res map[string]any, u *identityv1alpha1.WorkspaceUser) map[string]any {
	if groups := q.userGroups(u); len(groups) > 0 {
		res["groups"] = groups
	}
	return res
}

// removeFromGroups takes a deleted user's id out of every group of the
// workspace, after the user is deleted. It is best effort: a failure is
// logged and the id stays in that group's shards, where no read shows it
// (members whose user does not exist are never returned) and the group
// controller counts it pending; the next change of that group's members
// does not resurrect anything.
func (q *request) removeFromGroups(uid string) {
	ctx := q.r.Context()
	groups, err := q.groups.List(q.key)
	if err != nil {
		log.FromContext(ctx).Error(err, "cannot list the groups of a deleted user", "user", uid)
		return
	}
	for _, g := range groups {
		if !q.members.Of(g).Shards.Contains(uid) {
			continue
		}
		remove := newMemberDelta()
		remove.removeIDs([]string{uid})
		_, e := q.writeGroup(g, "", func(cur *identityv1alpha1.WorkspaceGroup) (groupUpdate, *scimerr.Error) {
			return groupUpdate{spec: cur.Spec, members: remove.change()}, nil
		})
		if e != nil {
			log.FromContext(ctx).Info("cannot remove a deleted user from a group; it stays in the group's shards, hidden", "user", uid, "group", g.Name, "detail", e.Detail)
		}
	}
}
