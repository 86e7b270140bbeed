package scimserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/filter"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// listQuery is a list or search request (RFC 7644 §3.4.2, §3.4.3).
type listQuery struct {
	filter     string
	startIndex int
	count      int
	sortBy     string
	descending bool
	selection  filter.Selection
}

// listUsers answers GET /Users.
func (q *request) listUsers() {
	v := q.r.URL.Query()
	lq := listQuery{startIndex: 1, count: DefaultCount}
	lq.filter, _ = queryValue(v, "filter")
	lq.sortBy, _ = queryValue(v, "sortBy")
	order, _ := queryValue(v, "sortOrder")
	var e *scimerr.Error
	if s, ok := queryValue(v, "startIndex"); ok {
		if lq.startIndex, e = intParam("startIndex", s); e != nil {
			q.fail(e)
			return
		}
	}
	if s, ok := queryValue(v, "count"); ok {
		if lq.count, e = intParam("count", s); e != nil {
			q.fail(e)
			return
		}
	}
	if lq.descending, e = descending(order); e != nil {
		q.fail(e)
		return
	}
	if lq.selection, e = selectionFromQuery(q.schemaSet(), v); e != nil {
		q.fail(e)
		return
	}
	q.answerList(lq)
}

// searchRequest is the body of POST /Users/.search.
type searchRequest struct {
	Schemas            []string    `json:"schemas"`
	Filter             string      `json:"filter"`
	StartIndex         json.Number `json:"startIndex"`
	Count              json.Number `json:"count"`
	SortBy             string      `json:"sortBy"`
	SortOrder          string      `json:"sortOrder"`
	Attributes         stringList  `json:"attributes"`
	ExcludedAttributes stringList  `json:"excludedAttributes"`
}

// stringList accepts a JSON array of strings or one comma-separated string.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("must be a list of attribute names")
	}
	*l = many
	return nil
}

// searchGroups answers POST /Groups/.search (RFC 7644 3.4.3): the body's
// parameters are those of a GET /Groups query.
func (q *request) searchGroups() {
	var body searchRequest
	if e := readJSON(q.w, q.r, q.opts.MaxBodyBytes, &body); e != nil {
		q.fail(e)
		return
	}
	v := url.Values{}
	for name, value := range map[string]string{
		"filter": body.Filter, "startIndex": body.StartIndex.String(), "count": body.Count.String(),
		"sortBy": body.SortBy, "sortOrder": body.SortOrder,
		"attributes": strings.Join(body.Attributes, ","), "excludedAttributes": strings.Join(body.ExcludedAttributes, ","),
	} {
		if value != "" {
			v.Set(name, value)
		}
	}
	q.answerGroupList(v)
}

// searchUsers answers POST /Users/.search.
func (q *request) searchUsers() {
	var body searchRequest
	if e := readJSON(q.w, q.r, q.opts.MaxBodyBytes, &body); e != nil {
		q.fail(e)
		return
	}
	lq := listQuery{startIndex: 1, count: DefaultCount, filter: body.Filter, sortBy: body.SortBy}
	var e *scimerr.Error
	if body.StartIndex != "" {
		if lq.startIndex, e = intParam("startIndex", body.StartIndex.String()); e != nil {
			q.fail(e)
			return
		}
	}
	if body.Count != "" {
		if lq.count, e = intParam("count", body.Count.String()); e != nil {
			q.fail(e)
			return
		}
	}
	if lq.descending, e = descending(body.SortOrder); e != nil {
		q.fail(e)
		return
	}
	if lq.selection, e = newSelection(q.schemaSet(), body.Attributes, body.ExcludedAttributes); e != nil {
		q.fail(e)
		return
	}
	q.answerList(lq)
}

func intParam(name, s string) (int, *scimerr.Error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "%s %q is not an integer", name, s)
	}
	return n, nil
}

func descending(order string) (bool, *scimerr.Error) {
	switch strings.ToLower(order) {
	case "", "ascending":
		return false, nil
	case "descending":
		return true, nil
	}
	return false, scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "sortOrder %q must be ascending or descending", order)
}

// answerList filters, sorts and pages the workspace's users. A filter with
// an equality on id, userName, externalId or an e-mail is a lookup in one
// index bucket; any other filter is matched against the workspace's users.
// startIndex below 1 counts as 1; count is cut to 0..MaxResults.
func (q *request) answerList(lq listQuery) {
	if lq.startIndex < 1 {
		lq.startIndex = 1
	}
	lq.count = max(0, min(lq.count, MaxResults))

	var expr filter.Expr
	if strings.TrimSpace(lq.filter) != "" {
		var err error
		if expr, err = filter.ParseIn(q.schemaSet(), lq.filter); err != nil {
			q.fail(scimerr.New(http.StatusBadRequest, scimerr.InvalidFilter, "%v", err))
			return
		}
	}
	sortBy, e := sortPath(q.schemaSet(), lq.sortBy)
	if e != nil {
		q.fail(e)
		return
	}
	users, err := q.candidates(expr)
	if err != nil {
		q.fail(fromAPIError("list users", err))
		return
	}

	// Resources are built only where a filter or sort needs them, else only for the page.
	type entry struct {
		user *identityv1alpha1.WorkspaceUser
		res  map[string]any
	}
	entries := make([]entry, 0, len(users))
	for _, u := range users {
		en := entry{user: u}
		if expr != nil || sortBy != nil {
			en.res = q.resourceOf(u)
			if expr != nil && !expr.Match(en.res) {
				continue
			}
		}
		entries = append(entries, en)
	}
	if sortBy != nil {
		slices.SortStableFunc(entries, func(a, b entry) int {
			return sortBy.CompareResources(a.res, b.res, lq.descending)
		})
	}
	total := len(entries)
	from := min(lq.startIndex-1, total)
	to := min(from+lq.count, total)
	page := make([]map[string]any, 0, to-from)
	for _, en := range entries[from:to] {
		if en.res == nil {
			en.res = q.resourceOf(en.user)
		}
		page = append(page, lq.selection.Apply(en.res))
	}
	writeJSON(q.w, http.StatusOK, listResponse(page, total, lq.startIndex))
}

// candidates are the users a filter can match, in list order: one index
// bucket when it pins an indexed attribute, else all users of the
// workspace. The result must not be changed.
func (q *request) candidates(expr filter.Expr) ([]*identityv1alpha1.WorkspaceUser, error) {
	if expr != nil {
		if attr, value, ok := filter.IndexableEquality(expr); ok {
			if store.Indexed(attr) {
				return q.users.Lookup(q.key, attr, value)
			}
		}
	}
	return q.users.List(q.key)
}
