package httpbackend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// MembersPage is the body of GET /groups/{key}/members: member keys in
// ascending byte order, after the request's "after" key, and the key to
// ask the next page after ("" on the last page).
type MembersPage struct {
	Members []string `json:"members"`
	Next    string   `json:"next"`
}

// MembershipChange is the body of POST /groups/{key}/members: exactly one
// of Add and Remove, with 1 to backend.MaxGroupMembersPerCall member keys.
type MembershipChange struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// MembersPageSize is the page size the driver asks for (the "limit" query
// parameter), and the most an application needs to answer with.
const MembersPageSize = 1000

func (b *Backend) groupRequest(method, key string, body []byte) request {
	return request{method: method, url: b.resourceURL("groups", key), what: fmt.Sprintf("group %q", key), body: body}
}

func (b *Backend) groupMembersRequest(method, key string, query url.Values, body []byte) request {
	u := b.resourceURL("groups", key, "members")
	u.RawQuery = query.Encode()
	return request{method: method, url: u, what: fmt.Sprintf("members of group %q", key), body: body}
}

// ObserveGroup GETs the group; 404 means not found.
func (b *Backend) ObserveGroup(ctx context.Context, key string) (backend.Group, bool, error) {
	resp, err := b.do(ctx, b.groupRequest(http.MethodGet, key, nil))
	if err != nil {
		return backend.Group{}, false, err
	}
	if resp.status == http.StatusNotFound {
		return backend.Group{}, false, nil
	}
	var g backend.Group
	if err := json.Unmarshal(resp.body, &g); err != nil {
		return backend.Group{}, false, backend.InvalidConfig(fmt.Errorf("decode group %q from the member API: %w", key, err))
	}
	if g.Key == "" {
		g.Key = key
	}
	return g, true, nil
}

// UpsertGroup PUTs the group; the application keeps its memberships.
func (b *Backend) UpsertGroup(ctx context.Context, g backend.Group) error {
	body, err := json.Marshal(g)
	if err != nil {
		return backend.Rejected(fmt.Errorf("encode group %q: %w", g.Key, err))
	}
	resp, err := b.do(ctx, b.groupRequest(http.MethodPut, g.Key, body))
	if err != nil {
		return err
	}
	if resp.status == http.StatusNotFound {
		return backend.InvalidConfig(fmt.Errorf("put group %q: %s answered 404: does the application implement the group calls of the member API?", g.Key, b.base.Redacted()))
	}
	return nil
}

// DeleteGroup DELETEs the group, which removes its memberships; 404 counts as done.
func (b *Backend) DeleteGroup(ctx context.Context, key string) error {
	_, err := b.do(ctx, b.groupRequest(http.MethodDelete, key, nil))
	return err
}

// GroupMembers walks the pages of GET /groups/{key}/members. An unknown
// group (404) has none.
func (b *Backend) GroupMembers(ctx context.Context, groupKey string) ([]string, error) {
	var keys []string
	after := ""
	for {
		query := url.Values{"limit": {strconv.Itoa(MembersPageSize)}}
		if after != "" {
			query.Set("after", after)
		}
		resp, err := b.do(ctx, b.groupMembersRequest(http.MethodGet, groupKey, query, nil))
		if err != nil {
			return nil, err
		}
		if resp.status == http.StatusNotFound {
			// Unknown, or deleted while it was being read: either way it has no members now.
			return nil, nil
		}
		var page MembersPage
		if err := json.Unmarshal(resp.body, &page); err != nil {
			return nil, backend.InvalidConfig(fmt.Errorf("decode members of group %q from the member API: %w", groupKey, err))
		}
		keys = append(keys, page.Members...)
		if page.Next == "" {
			break
		}
		if page.Next <= after {
			// A next key that does not move forward would page forever.
			return nil, backend.InvalidConfig(fmt.Errorf("members of group %q: the member API answered next %q after %q: pages must move forward in key order", groupKey, page.Next, after))
		}
		after = page.Next
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// AddGroupMembers POSTs {"add": memberKeys}. The application skips keys of
// members it does not hold; an unknown group (404) is Rejected.
func (b *Backend) AddGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	if err := checkBatch(memberKeys); err != nil {
		return err
	}
	if len(memberKeys) == 0 {
		// Nothing to send; only the group must exist.
		_, found, err := b.ObserveGroup(ctx, groupKey)
		if err == nil && !found {
			return unknownGroup(groupKey)
		}
		return err
	}
	resp, err := b.changeMemberships(ctx, groupKey, MembershipChange{Add: memberKeys})
	if err != nil {
		return err
	}
	if resp.status == http.StatusNotFound {
		return unknownGroup(groupKey)
	}
	return nil
}

// RemoveGroupMembers POSTs {"remove": memberKeys}; an unknown group (404)
// has nothing to remove.
func (b *Backend) RemoveGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	if err := checkBatch(memberKeys); err != nil || len(memberKeys) == 0 {
		return err
	}
	_, err := b.changeMemberships(ctx, groupKey, MembershipChange{Remove: memberKeys})
	return err
}

func (b *Backend) changeMemberships(ctx context.Context, groupKey string, change MembershipChange) (response, error) {
	body, err := json.Marshal(change)
	if err != nil {
		return response{}, backend.Rejected(fmt.Errorf("encode membership change of group %q: %w", groupKey, err))
	}
	return b.do(ctx, b.groupMembersRequest(http.MethodPost, groupKey, nil, body))
}

func unknownGroup(key string) error {
	return backend.Rejected(fmt.Errorf("add members to group %q: the member API answered 404: the group does not exist", key))
}

func checkBatch(memberKeys []string) error {
	if len(memberKeys) > backend.MaxGroupMembersPerCall {
		return backend.Rejected(fmt.Errorf("%d member keys in one call, over %d: split them into batches",
			len(memberKeys), backend.MaxGroupMembersPerCall))
	}
	return nil
}
