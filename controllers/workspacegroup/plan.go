package workspacegroup

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/internal/letin"
)

// memberPlan is what the backend's member list of a group should become.
type memberPlan struct {
	// add and remove are the member keys to add and to remove, sorted.
	add, remove []string
	// total is the group's number of members (SCIM ids in its shards).
	total int
	// synced is how many members will be members in the backend once add
	// and remove are applied: let-in users, and users in the Unknown state
	// whose membership is there already.
	synced int
	// notLetIn and noSuchUser count the members that wait: their user is
	// not let in, or no user of the workspace has the id.
	notLetIn, noSuchUser int
}

// planMembers compares the group's shards with actual, the member keys
// the backend holds, using the roster. It makes one map of actual and one
// roster lookup per member, and builds no key of a member already in
// place: a 50,000-member group at rest costs that and nothing else.
func (r *Reconciler) planMembers(group *identityv1alpha1.WorkspaceGroup, shards groupmembers.Shards, actual []string) memberPlan {
	ns, ws := group.Namespace, group.Spec.WorkspaceRef.Name
	// Keys of the workspace's form are held by their id, the part after
	// the prefix (a UID or a minted UUID; a substring, no copy); any other
	// key as it is.
	prefix := backendkey.Prefix(ns, ws)
	byID := make(map[string]struct{}, len(actual))
	other := map[string]struct{}{}
	for _, k := range actual {
		if id, ok := strings.CutPrefix(k, prefix); ok {
			byID[id] = struct{}{}
		} else {
			other[k] = struct{}{}
		}
	}
	var p memberPlan
	r.roster.read(func(lookup func(types.UID) (rosterEntry, bool)) {
		eachMember(shards, func(id string) {
			p.total++
			uid := types.UID(id)
			e, ok := lookup(uid)
			if !ok || e.namespace != ns || e.workspace != ws {
				// No such user (or not of this workspace): a membership
				// under the key it would have goes.
				p.noSuchUser++
				return
			}
			var present bool
			if e.memberKey == "" {
				kid := e.keyID(uid)
				_, present = byID[kid]
				delete(byID, kid)
			} else {
				_, present = other[e.memberKey]
				delete(other, e.memberKey)
			}
			switch e.state {
			case letin.In:
				p.synced++
				if !present {
					p.add = append(p.add, e.key(uid))
				}
			case letin.Unknown:
				if present {
					p.synced++ // left as it is
				} else {
					p.notLetIn++
				}
			default:
				p.notLetIn++
				if present {
					p.remove = append(p.remove, e.key(uid))
				}
			}
		})
	})
	for id := range byID {
		p.remove = append(p.remove, prefix+id)
	}
	for k := range other {
		p.remove = append(p.remove, k)
	}
	slices.Sort(p.add)
	slices.Sort(p.remove)
	return p
}

// desiredGroup is the group the backend should hold.
func desiredGroup(group *identityv1alpha1.WorkspaceGroup) backend.Group {
	return backend.Group{Key: backendkey.Group(group), DisplayName: group.Spec.DisplayName, ExternalID: group.Spec.ExternalID}
}
