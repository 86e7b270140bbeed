//go:build faults

package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	schemaUser    = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// answer is one SCIM response as the identity provider saw it.
type answer struct {
	status     int
	retryAfter string
	took       time.Duration
	body       []byte
	err        error // transport error: no answer
}

// scimClient talks to one workspace's SCIM endpoint on one SCIM server.
type scimClient struct {
	base  string // http://<addr><tenant path>
	token string
	http  *http.Client
}

// client is a SCIM client for the workspace on the server at addr. Its
// timeout is longer than the server's API deadline and write timeout, so
// a hung server shows as a timeout here rather than being cut short.
func (w *workspace) client(addr string) *scimClient {
	return &scimClient{
		base:  "http://" + addr + w.tenantPath,
		token: w.token,
		http:  &http.Client{Timeout: 40 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
	}
}

// String is the answer as a test failure names it.
func (a answer) String() string {
	if a.err != nil {
		return "no answer: " + a.err.Error()
	}
	return fmt.Sprintf("%d %s", a.status, a.body)
}

func (c *scimClient) do(ctx context.Context, method, path string, body any) answer {
	var payload io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return answer{err: err}
		}
		payload = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, payload)
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(start), body: data, err: err}
}

func userBody(userName string) map[string]any {
	return map[string]any{
		"schemas":     []string{schemaUser},
		"userName":    userName,
		"externalId":  strings.SplitN(userName, "@", 2)[0],
		"active":      true,
		"displayName": "Fault " + userName,
		"emails":      []map[string]any{{"value": userName, "type": "work", "primary": true}},
	}
}

// post sends one POST /Users.
func (c *scimClient) post(ctx context.Context, userName string) answer {
	return c.do(ctx, http.MethodPost, "/Users", userBody(userName))
}

// rename sends Entra's PATCH that replaces the userName of user id.
func (c *scimClient) rename(ctx context.Context, id, userName string) answer {
	return c.do(ctx, http.MethodPatch, "/Users/"+url.PathEscape(id), map[string]any{
		"schemas":    []string{schemaPatchOp},
		"Operations": []any{map[string]any{"op": "Replace", "path": "userName", "value": userName}},
	})
}

// remove sends DELETE /Users/{id}.
func (c *scimClient) remove(ctx context.Context, id string) answer {
	return c.do(ctx, http.MethodDelete, "/Users/"+url.PathEscape(id), nil)
}

// find returns the id of the user with userName, "" if there is none.
func (c *scimClient) find(ctx context.Context, userName string) (string, error) {
	q := url.Values{"filter": {fmt.Sprintf("userName eq %q", userName)}}
	a := c.do(ctx, http.MethodGet, "/Users?"+q.Encode(), nil)
	if a.err != nil || a.status != http.StatusOK {
		return "", fmt.Errorf("filter %s: %s", userName, a)
	}
	var list struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(a.body, &list); err != nil {
		return "", err
	}
	if len(list.Resources) == 0 {
		return "", nil
	}
	return list.Resources[0].ID, nil
}

// idOf reads the id from a 201 or 200 body.
func idOf(a answer) string {
	var u struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(a.body, &u)
	return u.ID
}

// retryable is an answer an identity provider retries: no answer, 429,
// 500 and 503 (after Retry-After).
func retryable(a answer) bool {
	return a.err != nil || a.status == http.StatusTooManyRequests || a.status >= 500
}

func backoff(ctx context.Context, a answer) error {
	d := 250 * time.Millisecond
	if s, err := strconv.Atoi(a.retryAfter); err == nil && s > 0 {
		d = time.Duration(s) * time.Second
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// load creates users the way an identity provider does through a fault:
// each POST is retried on no answer, 429 and 5xx; a 409 after such a
// retry means an earlier attempt did create the user (Entra then finds it
// by filter). Every answer is recorded.
type load struct {
	c       *scimClient
	workers int
	// onAnswer, when set, sees every answer (from the worker goroutines).
	onAnswer func(answer)

	created atomic.Int64 // users with a 201 so far
	mu      sync.Mutex
	ids     map[string]string // userName → SCIM id, of every user that exists
	got201  map[string]bool
	// orphans are userNames answered 409 after an ambiguous answer while
	// no user had them: the claim of an attempt whose create was not made.
	orphans map[string]bool
}

func newLoad(c *scimClient, workers int) *load {
	return &load{c: c, workers: workers, ids: map[string]string{}, got201: map[string]bool{}, orphans: map[string]bool{}}
}

// run creates every userName, workers at a time, and returns the first
// error that is not a fault's (a 4xx other than an explained 409).
func (l *load) run(ctx context.Context, userNames []string) error {
	next := make(chan string)
	errs := make(chan error, l.workers)
	var wg sync.WaitGroup
	for range l.workers {
		wg.Go(func() {
			for userName := range next {
				if err := l.createOne(ctx, userName, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for _, userName := range userNames {
		select {
		case next <- userName:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	return err
}

// createOne creates userName; firstAnswer, when set, sees the answer to
// the first POST.
func (l *load) createOne(ctx context.Context, userName string, firstAnswer func(answer)) error {
	ambiguous, first := false, time.Now()
	for {
		a := l.c.post(ctx, userName)
		if l.onAnswer != nil {
			l.onAnswer(a)
		}
		if firstAnswer != nil {
			firstAnswer(a)
			firstAnswer = nil
		}
		switch {
		case a.status == http.StatusCreated:
			l.mu.Lock()
			l.ids[userName], l.got201[userName] = idOf(a), true
			l.mu.Unlock()
			l.created.Add(1)
			return nil
		case a.status == http.StatusConflict && ambiguous:
			id, err := l.c.find(ctx, userName)
			if err != nil {
				return err
			}
			if id != "" {
				l.mu.Lock()
				l.ids[userName] = id
				l.mu.Unlock()
				return nil
			}
			// The attempt that got no answer left its userName claim and
			// made no user: the claim is respected for its grace (30 s)
			// and then taken over, so the POST is sent again later, as an
			// identity provider's next cycle would.
			l.mu.Lock()
			l.orphans[userName] = true
			l.mu.Unlock()
			if time.Since(first) > 2*time.Minute {
				return fmt.Errorf("%s: still 409 with no such user 2 minutes after the first POST", userName)
			}
			if err := backoff(ctx, answer{retryAfter: "2"}); err != nil {
				return err
			}
		case retryable(a):
			ambiguous = true
			if err := backoff(ctx, a); err != nil {
				return err
			}
		default:
			return fmt.Errorf("POST %s: %s", userName, a)
		}
	}
}

// probe creates a user every interval until stop is closed, each from a
// fresh userName made by name(i), handing the answer to each first POST to
// observe; the users are finished like the load's own. It returns once
// every probe's user is created.
func (l *load) probe(ctx context.Context, stop <-chan struct{}, interval time.Duration, name func(int) string, observe func(answer)) error {
	var wg sync.WaitGroup
	errs := make(chan error, 1024)
	tick := time.NewTicker(interval)
	defer tick.Stop()
loop:
	for i := 0; ; i++ {
		userName := name(i)
		wg.Go(func() {
			if err := l.createOne(ctx, userName, observe); err != nil {
				errs <- err
			}
		})
		select {
		case <-stop:
			break loop
		case <-tick.C:
		}
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// waitCreated waits until at least n users got their 201.
func (l *load) waitCreated(ctx context.Context, n int64) error {
	for l.created.Load() < n {
		select {
		case <-ctx.Done():
			return errors.New("the load did not reach " + strconv.FormatInt(n, 10) + " users")
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// orphanClaims is how many userNames met an orphan claim.
func (l *load) orphanClaims() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.orphans)
}

// id is the SCIM id of userName.
func (l *load) id(userName string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ids[userName]
}
