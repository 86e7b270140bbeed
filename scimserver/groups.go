package scimserver

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/scimserver/groupfilter"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// dispatchGroups calls the /Groups endpoint of a method.
func (q *request) dispatchGroups(id string) {
	switch m := q.r.Method; {
	case id == "" && m == http.MethodGet:
		q.listGroups()
	case id == "" && m == http.MethodPost:
		q.createGroup()
	case strings.EqualFold(id, ".search") && m == http.MethodPost:
		q.searchGroups()
	case id != "" && m == http.MethodGet:
		q.getGroup(id)
	case id != "" && m == http.MethodPut:
		q.replaceGroup(id)
	case id != "" && m == http.MethodPatch:
		q.patchGroup(id)
	case id != "" && m == http.MethodDelete:
		q.deleteGroup(id)
	default:
		methodNotAllowed(q.w, q.r, route{resource: resourceGroups, id: id})
	}
}

func (q *request) groupLocation(g *identityv1alpha1.WorkspaceGroup) string {
	return q.tenantURL() + "/Groups/" + string(g.UID)
}

// groupResource is the SCIM Group of g, with its members when withMembers
// (reading its shards; never otherwise).
func (q *request) groupResource(g *identityv1alpha1.WorkspaceGroup, withMembers bool, users *memberUsers) map[string]any {
	var members []resource.Member
	if withMembers {
		members = users.resolve(q.members.Of(g).Shards.Members())
	}
	return resource.FromWorkspaceGroup(g, q.groupLocation(g), members)
}

// getGroup answers GET /Groups/{id}.
func (q *request) getGroup(id string) {
	g, err := q.groups.Get(q.key, id)
	if err != nil {
		q.fail(fromAPIError("read the group", err))
		return
	}
	if g == nil {
		q.fail(notFound(id))
		return
	}
	version := resource.GroupVersion(g)
	if groupTagMatches(q.r.Header.Get("If-None-Match"), version) {
		q.w.Header().Set("ETag", version)
		q.w.WriteHeader(http.StatusNotModified)
		return
	}
	sel := parseGroupSelection(q.r.URL.Query())
	writeResource(q.w, http.StatusOK, sel.apply(q.groupResource(g, sel.wantsMembers(), q.memberUsers())), version, "")
}

// listGroups answers GET /Groups: filtered (groupfilter), sorted by
// creation (or sortBy id, displayName or externalId), paged as /Users is.
func (q *request) listGroups() { q.answerGroupList(q.r.URL.Query()) }

// answerGroupList answers a list of groups with the parameters in v: a
// GET's query, or a POST /Groups/.search body as searchGroups reads it.
func (q *request) answerGroupList(v url.Values) {
	startIndex, count := 1, DefaultCount
	var e *scimerr.Error
	if s, ok := queryValue(v, "startIndex"); ok {
		if startIndex, e = intParam("startIndex", s); e != nil {
			q.fail(e)
			return
		}
	}
	if s, ok := queryValue(v, "count"); ok {
		if count, e = intParam("count", s); e != nil {
			q.fail(e)
			return
		}
	}
	startIndex = max(startIndex, 1)
	count = max(0, min(count, MaxResults))
	order, _ := queryValue(v, "sortOrder")
	desc, e := descending(order)
	if e != nil {
		q.fail(e)
		return
	}
	sortBy, _ := queryValue(v, "sortBy")
	sortKey, e := groupSortKey(sortBy)
	if e != nil {
		q.fail(e)
		return
	}
	var expr groupfilter.Expr
	if f, _ := queryValue(v, "filter"); strings.TrimSpace(f) != "" {
		var err error
		if expr, err = groupfilter.Parse(f); err != nil {
			q.fail(scimerr.New(http.StatusBadRequest, scimerr.InvalidFilter, "%v", err))
			return
		}
	}
	candidates, err := q.groupCandidates(expr)
	if err != nil {
		q.fail(fromAPIError("list groups", err))
		return
	}
	users := q.memberUsers()
	matched := make([]*identityv1alpha1.WorkspaceGroup, 0, len(candidates))
	for _, g := range candidates {
		if expr == nil || expr.Match(&groupView{q: q, g: g, users: users}) {
			matched = append(matched, g)
		}
	}
	if sortKey != nil {
		slices.SortStableFunc(matched, func(a, b *identityv1alpha1.WorkspaceGroup) int {
			c := strings.Compare(sortKey(a), sortKey(b))
			if desc {
				return -c
			}
			return c
		})
	}
	total := len(matched)
	from := min(startIndex-1, total)
	to := min(from+count, total)
	sel := parseGroupSelection(v)
	page := make([]map[string]any, 0, to-from)
	for _, g := range matched[from:to] {
		page = append(page, sel.apply(q.groupResource(g, sel.wantsMembers(), users)))
	}
	writeJSON(q.w, http.StatusOK, listResponse(page, total, startIndex))
}

func groupSortKey(sortBy string) (func(*identityv1alpha1.WorkspaceGroup) string, *scimerr.Error) {
	name := strings.TrimSpace(sortBy)
	if i := strings.LastIndex(name, ":"); i >= 0 {
		name = name[i+1:]
	}
	switch strings.ToLower(name) {
	case "":
		return nil, nil
	case "id":
		return func(g *identityv1alpha1.WorkspaceGroup) string { return string(g.UID) }, nil
	case "displayname":
		return func(g *identityv1alpha1.WorkspaceGroup) string { return store.DisplayNameKey(g.Spec.DisplayName) }, nil
	case "externalid":
		return func(g *identityv1alpha1.WorkspaceGroup) string { return g.Spec.ExternalID }, nil
	case "meta.created":
		return nil, nil // list order
	}
	return nil, scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "sortBy %q: Groups sort by id, displayName, externalId or meta.created", sortBy)
}

// groupCandidates are the groups a filter can match: one index bucket when
// it pins id, displayName or externalId, else all groups of the workspace.
func (q *request) groupCandidates(expr groupfilter.Expr) ([]*identityv1alpha1.WorkspaceGroup, error) {
	if expr != nil {
		if attr, value, ok := groupfilter.IndexableEquality(expr); ok && q.groups.Indexed(attr) {
			return q.groups.Lookup(q.key, attr, value)
		}
	}
	return q.groups.List(q.key)
}

// groupView is a group as a filter sees it; its shards are read only when
// the filter asks about members.
type groupView struct {
	q       *request
	g       *identityv1alpha1.WorkspaceGroup
	users   *memberUsers
	members *store.Members
}

func (v *groupView) Attribute(name string) string {
	switch name {
	case groupfilter.AttrID:
		return string(v.g.UID)
	case groupfilter.AttrDisplayName:
		return v.g.Spec.DisplayName
	case groupfilter.AttrExternalID:
		return v.g.Spec.ExternalID
	}
	return ""
}

func (v *groupView) shards() *store.Members {
	if v.members == nil {
		m := v.q.members.Of(v.g)
		v.members = &m
	}
	return v.members
}

// HasMember is true for a member whose user exists.
func (v *groupView) HasMember(id string) bool {
	return v.shards().Shards.Contains(id) && v.users.exists(id)
}

func (v *groupView) HasMembers() bool { return v.shards().Shards.Len() > 0 }

// createGroup answers POST /Groups with 201 and the group: its members are
// checked first (every one a user of the workspace), its displayName
// claimed, then the WorkspaceGroup and its membership shards written.
func (q *request) createGroup() {
	ctx := q.r.Context()
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
	if e := q.checkMembers(body.Members); e != nil {
		q.fail(e)
		return
	}
	if e := q.displayNameFree(body.DisplayName, ""); e != nil {
		q.fail(e)
		return
	}
	name, err := objectName(body.DisplayName)
	if err != nil {
		q.fail(scimerr.New(http.StatusInternalServerError, "", "name the group: %v", err))
		return
	}
	if err := q.claims.AcquireDisplayName(ctx, q.ws, body.DisplayName, name); err != nil {
		q.fail(q.displayNameClaimError(body.DisplayName, err))
		return
	}
	g := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: q.ws.Namespace,
			Name:      name,
			// The group controller deprovisions the backend group before
			// the object goes; set here as users get theirs.
			Finalizers: []string{identityv1alpha1.GroupFinalizer},
			Labels:     map[string]string{identityv1alpha1.LabelWorkspace: q.ws.Name},
			Annotations: map[string]string{
				resource.AnnotationLastModified:    q.clock.Now().UTC().Format(time.RFC3339),
				resource.AnnotationMembersRevision: "0",
				// The group key, minted in the create (docs/design/0800).
				identityv1alpha1.AnnotationBackendKey: backendkey.Mint(q.ws.Namespace, q.ws.Name),
			},
		},
		Spec: identityv1alpha1.WorkspaceGroupSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: q.ws.Name},
			DisplayName:  body.DisplayName,
			ExternalID:   body.ExternalID,
		},
	}
	if err := q.groups.Create(ctx, g); err != nil {
		if outcomeUnknown(err) {
			log.FromContext(ctx).Info("the create of a group got no answer; its displayName claim is kept", "displayName", body.DisplayName, "error", err.Error())
		} else if rerr := q.claims.ReleaseDisplayName(ctx, q.key, body.DisplayName, name); rerr != nil {
			log.FromContext(ctx).Error(rerr, "cannot release the displayName claim of a group not created", "displayName", body.DisplayName)
		}
		q.fail(fromAPIError("create the group", err))
		return
	}
	q.audit.regarding(g)
	if len(body.Members) > 0 {
		members := q.members.Of(g)
		add := newMemberDelta()
		add.addIDs(body.Members)
		if e := q.applyMembers(g, members, add.change()); e != nil {
			// All or nothing: the group goes again (its finalizer lets the
			// group controller clean up whatever reached the backend).
			if err := q.groups.Delete(ctx, g, ""); err != nil && !apierrors.IsNotFound(err) {
				log.FromContext(ctx).Error(err, "cannot delete a group whose members could not be written", "group", g.Name)
			}
			if err := q.claims.ReleaseDisplayName(ctx, q.key, body.DisplayName, name); err != nil {
				log.FromContext(ctx).Error(err, "cannot release the displayName claim of a group not created", "displayName", body.DisplayName)
			}
			q.fail(e)
			return
		}
	}
	sel := parseGroupSelection(q.r.URL.Query())
	writeResource(q.w, http.StatusCreated, sel.apply(q.groupResource(g, sel.wantsMembers(), q.memberUsers())), resource.GroupVersion(g), q.groupLocation(g))
}

// displayNameFree answers 409 when another group of the workspace (than
// the one named except) has displayName in the cache; the claim is the
// atomic check.
func (q *request) displayNameFree(displayName, except string) *scimerr.Error {
	taken, err := q.groups.Lookup(q.key, store.GroupDisplayName, displayName)
	if err != nil {
		return fromAPIError("look up the displayName", err)
	}
	for _, g := range taken {
		if g.Name != except {
			return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "displayName %q is already taken in this workspace (by group id %s)", displayName, g.UID)
		}
	}
	return nil
}

func (q *request) displayNameClaimError(displayName string, err error) *scimerr.Error {
	if errors.Is(err, store.ErrDisplayNameTaken) {
		return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "displayName %q is already taken in this workspace", displayName)
	}
	return fromAPIError("claim the displayName", err)
}

// deleteGroup answers DELETE /Groups/{id} with 204. The WorkspaceGroup's
// membership shards go with it (owner reference); its finalizer keeps it
// until the group controller has deprovisioned the backend group.
func (q *request) deleteGroup(id string) {
	ctx := q.r.Context()
	g, pinned, e := q.existingGroup(id)
	if e != nil {
		q.fail(e)
		return
	}
	rv := ""
	if pinned != "" {
		rv = g.ResourceVersion
	}
	err := q.groups.Delete(ctx, g, rv)
	if apierrors.IsConflict(err) && pinned != "" {
		// A status write moved the resourceVersion; the version may still be the pinned one.
		fresh, ferr := q.groups.Fresh(ctx, g)
		switch {
		case ferr != nil:
			err = ferr
		case fresh.UID != g.UID || !fresh.DeletionTimestamp.IsZero():
			err = apierrors.NewNotFound(identityv1alpha1.GroupVersion.WithResource("workspacegroups").GroupResource(), g.Name)
		case resource.GroupVersion(fresh) != pinned:
			q.fail(scimerr.New(http.StatusPreconditionFailed, scimerr.InvalidVers, "If-Match %s does not match the current version %s: read the group again and retry", pinned, resource.GroupVersion(fresh)))
			return
		default:
			err = q.groups.Delete(ctx, fresh, fresh.ResourceVersion)
		}
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			q.fail(notFound(id))
			return
		}
		q.fail(fromAPIError("delete the group", err))
		return
	}
	if err := q.claims.ReleaseDisplayName(ctx, q.key, g.Spec.DisplayName, g.Name); err != nil {
		log.FromContext(ctx).Error(err, "cannot release the displayName claim of a deleted group", "displayName", g.Spec.DisplayName)
	}
	q.w.WriteHeader(http.StatusNoContent)
}
