// Package scimload drives a SCIM 2.0 server the way Microsoft Entra ID does
// during an initial provisioning cycle, and records how long each request
// takes. It only needs a base URL (the Tenant URL) and a bearer token, so
// the same load runs against any SCIM server.
package scimload

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Kind names a request the load generator sends.
type Kind string

// The request kinds of an Entra-style cycle (Entra's own order: filter,
// create, read by id, patch the reference attributes).
const (
	KindFilter Kind = "filter"
	KindPost   Kind = "post"
	KindGet    Kind = "get"
	KindPatch  Kind = "patch"
)

// Kinds is every Kind in cycle order.
var Kinds = []Kind{KindFilter, KindPost, KindGet, KindPatch}

const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	pathManager      = schemaEnterprise + ":manager"
	contentType      = "application/scim+json"
	maxRetries       = 5
)

// Client talks to one SCIM base URL with one bearer token.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// NewClient returns a client for the Tenant URL base. conns is how many
// connections it keeps open (the load's concurrency).
func NewClient(base, token string, conns int) *Client {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{
		base:  strings.TrimSuffix(base, "/"),
		token: token,
		http:  &http.Client{Transport: transport, Timeout: 60 * time.Second},
	}
}

// Result is one request's outcome.
type Result struct {
	Status   int
	Duration time.Duration
	// Retries counts 429 answers that were retried after Retry-After.
	Retries int
}

// User is what the load generator knows of a user it created.
type User struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
}

type listResponse struct {
	TotalResults int    `json:"totalResults"`
	Resources    []User `json:"Resources"`
}

// FilterUserName sends GET /Users?filter=userName eq "<userName>" and returns
// the matches.
func (c *Client) FilterUserName(ctx context.Context, userName string) ([]User, Result, error) {
	q := url.Values{"filter": {fmt.Sprintf("userName eq %q", userName)}}
	var list listResponse
	res, err := c.do(ctx, http.MethodGet, "/Users?"+q.Encode(), nil, http.StatusOK, &list)
	if err != nil {
		return nil, res, err
	}
	if list.TotalResults != len(list.Resources) {
		return list.Resources, res, fmt.Errorf("filter %q: totalResults %d but %d resources", userName, list.TotalResults, len(list.Resources))
	}
	return list.Resources, res, nil
}

// CreateUser sends POST /Users with the body Entra sends for a new user.
func (c *Client) CreateUser(ctx context.Context, userName, externalID string) (User, Result, error) {
	body := map[string]any{
		"schemas":    []string{schemaUser, schemaEnterprise},
		"externalId": externalID,
		"userName":   userName,
		"active":     true,
		"emails":     []map[string]any{{"primary": true, "type": "work", "value": userName}},
		"meta":       map[string]any{"resourceType": "User"},
		"name": map[string]any{
			"formatted":  "Bench " + externalID,
			"familyName": externalID,
			"givenName":  "Bench",
		},
		"displayName": "Bench " + externalID,
		"roles":       []any{},
	}
	var u User
	res, err := c.do(ctx, http.MethodPost, "/Users", body, http.StatusCreated, &u)
	if err == nil && u.ID == "" {
		err = fmt.Errorf("POST /Users %s: 201 without an id", userName)
	}
	return u, res, err
}

// GetUser sends GET /Users/{id}.
func (c *Client) GetUser(ctx context.Context, id string) (User, Result, error) {
	var u User
	res, err := c.do(ctx, http.MethodGet, "/Users/"+url.PathEscape(id), nil, http.StatusOK, &u)
	return u, res, err
}

// PatchManager sends Entra's PATCH that sets the enterprise manager
// reference (a capitalised Replace op on the URN path, the manager's id as
// a bare string).
func (c *Client) PatchManager(ctx context.Context, id, managerID string) (Result, error) {
	body := map[string]any{
		"schemas": []string{schemaPatchOp},
		"Operations": []map[string]any{
			{"op": "Replace", "path": pathManager, "value": managerID},
		},
	}
	return c.do(ctx, http.MethodPatch, "/Users/"+url.PathEscape(id), body, 0, nil)
}

// do sends one request, retrying 429 after its Retry-After (at most
// maxRetries times; the retries are in the returned duration). want 0
// accepts any 2xx.
func (c *Client) do(ctx context.Context, method, path string, body any, want int, out any) (Result, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return Result{}, err
		}
	}
	start := time.Now()
	res := Result{}
	for {
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(payload))
		if err != nil {
			return res, err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Accept", contentType)
		if body != nil {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			res.Duration = time.Since(start)
			return res, fmt.Errorf("%s %s: %w", method, path, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		_ = resp.Body.Close()
		res.Status = resp.StatusCode
		if err != nil {
			res.Duration = time.Since(start)
			return res, fmt.Errorf("%s %s: read body: %w", method, path, err)
		}
		if resp.StatusCode == http.StatusTooManyRequests && res.Retries < maxRetries {
			res.Retries++
			if err := sleep(ctx, retryAfter(resp.Header.Get("Retry-After"))); err != nil {
				return res, err
			}
			continue
		}
		res.Duration = time.Since(start)
		ok := resp.StatusCode == want || (want == 0 && resp.StatusCode/100 == 2)
		if !ok {
			return res, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, truncate(data, 300))
		}
		if out != nil && len(data) > 0 {
			if err := json.Unmarshal(data, out); err != nil {
				return res, fmt.Errorf("%s %s: decode: %w", method, path, err)
			}
		}
		return res, nil
	}
}

func retryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 200 * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
