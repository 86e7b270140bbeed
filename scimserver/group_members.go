package scimserver

import (
	"errors"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// memberWriteAttempts bounds the plans of one member change that keep
// losing races against other writers of the same group's shards.
const memberWriteAttempts = 10

// memberChange computes a change of members from the group's current
// members: the ids to add and to remove. It is called again on a fresh read
// after a lost race, so that a replace of all members stays a replace.
type memberChange func(cur store.Members) (add, remove []string)

// checkMembers answers 400 invalidValue naming the ids that are not users
// of the workspace (from the user store's id index). Nothing is written
// before every id of a request has passed.
func (q *request) checkMembers(ids []string) *scimerr.Error {
	var unknown []string
	for _, id := range ids {
		u, err := q.users.Get(q.key, id)
		if err != nil {
			return fromAPIError("look up the members", err)
		}
		if u == nil {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	shown := unknown
	if len(shown) > 10 {
		shown = shown[:10]
	}
	more := ""
	if len(unknown) > len(shown) {
		more = " and more"
	}
	return scimerr.BadRequest(scimerr.InvalidValue, "members: no user with id %q%s in this workspace (%d unknown); members must be ids of users of the workspace, and nothing of this request was written",
		strings.Join(shown, `", "`), more, len(unknown))
}

// applyMembers writes a member change to g's shards: it plans the change on
// cur with groupmembers.Plan, writes the plan conditional on what was read,
// and when another writer came first (a conflict, AlreadyExists, NotFound)
// reads the shards fresh from the API server and plans again, up to
// memberWriteAttempts times; then 503 with Retry-After.
func (q *request) applyMembers(g *identityv1alpha1.WorkspaceGroup, cur store.Members, change memberChange) *scimerr.Error {
	ctx := q.r.Context()
	for attempt := 1; ; attempt++ {
		add, remove := change(cur)
		writes := groupmembers.Plan(cur.Shards, add, remove, identityv1alpha1.MaxMembersPerMembership)
		err := q.members.Apply(ctx, g, cur, writes)
		switch {
		case err == nil:
			return nil
		case !lostShardRace(err):
			return fromAPIError("write the group's members", err)
		case attempt == memberWriteAttempts:
			return &scimerr.Error{Status: http.StatusServiceUnavailable, RetryAfter: time.Second,
				Detail: "the group's members are being changed by other requests at the same moment; retry"}
		}
		select {
		case <-ctx.Done():
			return unavailable("write the group's members", ctx.Err())
		case <-time.After(wait.Jitter(time.Duration(attempt)*5*time.Millisecond, 1)):
		}
		if cur, err = q.members.Fresh(ctx, g); err != nil {
			return fromAPIError("read the group's members", err)
		}
	}
}

func lostShardRace(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) || errors.Is(err, store.ErrShardNotRead)
}

// memberUsers resolves member ids to users for one request: by id lookups
// for a few members, through one map of the workspace's users for many.
type memberUsers struct {
	q   *request
	all map[string]*identityv1alpha1.WorkspaceUser
}

// manyMembers is where building a map of every user beats looking each
// member up.
const manyMembers = 64

func (q *request) memberUsers() *memberUsers { return &memberUsers{q: q} }

func (m *memberUsers) get(id string, many bool) *identityv1alpha1.WorkspaceUser {
	if m.all == nil && many {
		users, err := m.q.users.List(m.q.key)
		if err == nil {
			m.all = make(map[string]*identityv1alpha1.WorkspaceUser, len(users))
			for _, u := range users {
				m.all[string(u.UID)] = u
			}
		}
	}
	if m.all != nil {
		return m.all[id]
	}
	u, _ := m.q.users.Get(m.q.key, id)
	return u
}

func (m *memberUsers) exists(id string) bool { return m.get(id, false) != nil }

// resolve returns the members of ids whose user exists, in the order of
// ids: a member whose user was deleted is not shown.
func (m *memberUsers) resolve(ids []string) []resource.Member {
	out := make([]resource.Member, 0, len(ids))
	base := m.q.tenantURL() + "/Users/"
	for _, id := range ids {
		u := m.get(id, len(ids) > manyMembers)
		if u == nil {
			continue
		}
		display := u.Spec.DisplayName
		if display == "" {
			display = u.Spec.UserName
		}
		out = append(out, resource.Member{Value: id, Display: display, Ref: base + id})
	}
	return out
}
