package scimserver

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// groupUpdate is what a PUT, PATCH or user delete changes of a group.
type groupUpdate struct {
	// spec is the group's next spec.
	spec identityv1alpha1.WorkspaceGroupSpec
	// members is the change of members; nil changes none.
	members memberChange
	// added are ids the change may add: each must be a user of the workspace.
	added []string
}

// groupTagMatches reports whether an If-Match or If-None-Match header names
// version (or is "*").
func groupTagMatches(header, version string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		if tag != "" && opaqueTag(tag) == opaqueTag(version) {
			return true
		}
	}
	return false
}

// opaqueTag is an entity tag without its weakness marker and quotes.
func opaqueTag(tag string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimPrefix(tag, "W/"), "w/"), `"`)
}

// groupIfMatch checks If-Match against g: the version pinned ("" when none
// or "*"), or 412.
func (q *request) groupIfMatch(g *identityv1alpha1.WorkspaceGroup) (string, *scimerr.Error) {
	header := strings.TrimSpace(q.r.Header.Get("If-Match"))
	version := resource.GroupVersion(g)
	switch {
	case header == "" || header == "*":
		return "", nil
	case groupTagMatches(header, version):
		return version, nil
	}
	return "", scimerr.New(http.StatusPreconditionFailed, scimerr.InvalidVers,
		"If-Match %s does not match the current version %s: read the group again and retry", header, version)
}

// existingGroup is the group with SCIM id id, for a PUT, PATCH or DELETE:
// 404 when there is none, 412 when If-Match names another version (checked
// against the API server when the cache disagrees).
func (q *request) existingGroup(id string) (*identityv1alpha1.WorkspaceGroup, string, *scimerr.Error) {
	g, err := q.groups.Get(q.key, id)
	if err != nil {
		return nil, "", fromAPIError("read the group", err)
	}
	if g == nil {
		return nil, "", notFound(id)
	}
	q.audit.regarding(g)
	pinned, e := q.groupIfMatch(g)
	if e == nil {
		return g, pinned, nil
	}
	fresh, err := q.groups.Fresh(q.r.Context(), g)
	switch {
	case apierrors.IsNotFound(err) || (err == nil && (fresh.UID != g.UID || !fresh.DeletionTimestamp.IsZero())):
		return nil, "", notFound(id)
	case err != nil:
		return nil, "", fromAPIError("read the group", err)
	}
	if pinned, e = q.groupIfMatch(fresh); e != nil {
		return nil, "", e
	}
	return fresh, pinned, nil
}

// updateGroup applies compute to the group id and answers 204 (PATCH) or
// 200 with the group (PUT).
func (q *request) updateGroup(id string, status int, compute func(*identityv1alpha1.WorkspaceGroup) (groupUpdate, *scimerr.Error)) {
	cur, pinned, e := q.existingGroup(id)
	if e != nil {
		q.fail(e)
		return
	}
	next, e := q.writeGroup(cur, pinned, compute)
	if e != nil {
		q.fail(e)
		return
	}
	if status == http.StatusNoContent {
		q.w.Header().Set("ETag", resource.GroupVersion(next))
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	sel := parseGroupSelection(q.r.URL.Query())
	writeResource(q.w, status, sel.apply(q.groupResource(next, sel.wantsMembers(), q.memberUsers())), resource.GroupVersion(next), "")
}

// writeGroup writes what compute makes of cur: it checks the added members
// (nothing is written unless all are users of the workspace), claims a new
// displayName, writes the WorkspaceGroup (its spec, lastModified and, when
// members change, the members revision) with a JSON patch conditional on
// the generation and members revision read (store.GroupSpecPatch: the
// group controller's status writes never make it retry),
// then the members (applyMembers). A write that changes nothing is not
// made. When the group write loses a race it reads the group again and
// recomputes, unless the client pinned a version (412).
func (q *request) writeGroup(cur *identityv1alpha1.WorkspaceGroup, pinned string, compute func(*identityv1alpha1.WorkspaceGroup) (groupUpdate, *scimerr.Error)) (*identityv1alpha1.WorkspaceGroup, *scimerr.Error) {
	ctx := q.r.Context()
	checked, claimed := false, ""
	defer func() {
		// A claim taken for a rename that did not happen goes again.
		if claimed != "" {
			if err := q.claims.ReleaseDisplayName(ctx, q.key, claimed, cur.Name); err != nil {
				log.FromContext(ctx).Error(err, "cannot release the claim of a rename not written", "displayName", claimed)
			}
		}
	}()
	for attempt := 1; ; attempt++ {
		up, e := compute(cur)
		if e != nil {
			return nil, e
		}
		if !checked {
			if e := q.checkMembers(up.added); e != nil {
				return nil, e
			}
			checked = true
		}
		up.spec.WorkspaceRef = cur.Spec.WorkspaceRef
		if strings.TrimSpace(up.spec.DisplayName) == "" {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "attribute displayName is required and cannot be empty")
		}
		// The shards are read only when members change: a rename of a
		// large group does not read its members.
		var members store.Members
		membersChange := false
		if up.members != nil {
			members = q.members.Of(cur)
			if attempt > 1 {
				fresh, err := q.members.Fresh(ctx, cur)
				if err != nil {
					return nil, fromAPIError("read the group's members", err)
				}
				members = fresh
			}
			add, remove := up.members(members)
			membersChange = len(groupmembers.Plan(members.Shards, add, remove, identityv1alpha1.MaxMembersPerMembership)) > 0
		}
		specChange := !equality.Semantic.DeepEqual(up.spec, cur.Spec)
		if !specChange && !membersChange {
			return cur, nil
		}
		renamed := !store.SameDisplayName(up.spec.DisplayName, cur.Spec.DisplayName)
		if renamed && claimed == "" {
			if e := q.displayNameFree(up.spec.DisplayName, cur.Name); e != nil {
				return nil, e
			}
			if err := q.claims.AcquireDisplayName(ctx, q.ws, up.spec.DisplayName, cur.Name); err != nil {
				return nil, q.displayNameClaimError(up.spec.DisplayName, err)
			}
			claimed = up.spec.DisplayName
		}
		next := cur.DeepCopy()
		next.Spec = up.spec
		if next.Annotations == nil {
			next.Annotations = map[string]string{}
		}
		next.Annotations[resource.AnnotationLastModified] = q.clock.Now().UTC().Format(time.RFC3339)
		if membersChange {
			next.Annotations[resource.AnnotationMembersRevision] = strconv.FormatInt(resource.MembersRevision(cur)+1, 10)
		}
		err := q.groups.Update(ctx, cur, next, resource.AnnotationMembersRevision)
		switch {
		case err == nil:
		case apierrors.IsNotFound(err):
			return nil, notFound(string(cur.UID))
		case !apierrors.IsConflict(err) && !errors.Is(err, store.ErrChanged):
			return nil, fromAPIError("update the group", err)
		case attempt == updateAttempts:
			return nil, &scimerr.Error{Status: http.StatusServiceUnavailable, RetryAfter: time.Second,
				Detail: "the group is being changed by other requests at the same moment; retry"}
		default:
			select {
			case <-ctx.Done():
				return nil, unavailable("update the group", ctx.Err())
			case <-time.After(wait.Jitter(time.Duration(attempt)*5*time.Millisecond, 1)):
			}
			fresh, ferr := q.groups.Fresh(ctx, cur)
			switch {
			case apierrors.IsNotFound(ferr) || (ferr == nil && (fresh.UID != cur.UID || !fresh.DeletionTimestamp.IsZero())):
				return nil, notFound(string(cur.UID))
			case ferr != nil:
				return nil, fromAPIError("read the group", ferr)
			case pinned != "" && resource.GroupVersion(fresh) != pinned:
				return nil, scimerr.New(http.StatusPreconditionFailed, scimerr.InvalidVers,
					"If-Match %s does not match the current version %s: read the group again and retry", pinned, resource.GroupVersion(fresh))
			}
			cur = fresh
			continue
		}
		if renamed {
			if err := q.claims.ReleaseDisplayName(ctx, q.key, cur.Spec.DisplayName, cur.Name); err != nil {
				log.FromContext(ctx).Error(err, "cannot release the old displayName claim", "displayName", cur.Spec.DisplayName)
			}
			claimed = ""
		}
		if membersChange {
			if e := q.applyMembers(next, members, up.members); e != nil {
				return nil, e
			}
		}
		return next, nil
	}
}

// replaceGroup answers PUT /Groups/{id} (Okta's app integrations update
// groups so): the body replaces the group, members included; a body
// without members leaves the group without members (RFC 7644 §3.5.1).
func (q *request) replaceGroup(id string) {
	var raw map[string]any
	if e := readJSON(q.w, q.r, q.opts.MaxBodyBytes, &raw); e != nil {
		q.fail(e)
		return
	}
	body, err := resource.ParseGroupBody(raw)
	if err != nil {
		q.fail(badRequest(err))
		return
	}
	q.updateGroup(id, http.StatusOK, func(cur *identityv1alpha1.WorkspaceGroup) (groupUpdate, *scimerr.Error) {
		if body.ID != "" && body.ID != string(cur.UID) {
			return groupUpdate{}, scimerr.BadRequest(scimerr.Mutability, "id %q in the body is not the group's id %s: id cannot be changed", body.ID, cur.UID)
		}
		return groupUpdate{
			spec:    identityv1alpha1.WorkspaceGroupSpec{DisplayName: body.DisplayName, ExternalID: body.ExternalID},
			members: replaceMembers(body.Members),
			added:   body.Members,
		}, nil
	})
}

// replaceMembers is the change that makes the members exactly ids.
func replaceMembers(ids []string) memberChange {
	return func(cur store.Members) ([]string, []string) {
		keep := make(map[string]bool, len(ids))
		for _, id := range ids {
			keep[id] = true
		}
		var remove []string
		for _, id := range cur.Shards.Members() {
			if !keep[id] {
				remove = append(remove, id)
			}
		}
		return ids, remove
	}
}
