package httpbackend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Options configure an HTTP backend.
type Options struct {
	// BaseURL is the member API's base; members live under <BaseURL>/members/<key>.
	BaseURL string
	// Token is sent as "Authorization: Bearer <Token>".
	Token string
	// SigningKey is the HMAC-SHA256 key that signs every request.
	SigningKey []byte
	// Timeout bounds each attempt; zero means 10s.
	Timeout time.Duration
	// MaxAttempts bounds the tries of one call on transient errors; zero means 3.
	MaxAttempts int
	// MaxRetryAfter is the longest Retry-After the backend waits out itself;
	// a longer one is returned to the caller (backend.RetryAfterOf). Zero means 10s.
	MaxRetryAfter time.Duration
	// Client sends the requests; nil means a client with sensible transport
	// timeouts. Its redirect policy is replaced: redirects are never followed.
	Client *http.Client
	// Now returns the current time, for signatures; nil means time.Now.
	Now func() time.Time
}

// Backend is a client of the member contract.
type Backend struct {
	base    *url.URL
	opts    Options
	client  *http.Client
	backoff backoff
}

var _ backend.Backend = (*Backend)(nil)

// New checks the options and returns a backend. It does not contact the application.
func New(opts Options) (*Backend, error) {
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, backend.InvalidConfig(fmt.Errorf("member API URL %q is not an absolute http(s) URL", opts.BaseURL))
	}
	if opts.Token == "" {
		return nil, backend.InvalidConfig(errors.New("the member API token is empty"))
	}
	if len(opts.SigningKey) == 0 {
		return nil, backend.InvalidConfig(errors.New("the member API signing key is empty"))
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &http.Client{Transport: newTransport()}
	if opts.Client != nil {
		copied := *opts.Client
		c = &copied
	}
	// A redirect is never followed: Go's client would send the bearer token
	// on to any port or scheme of the same host name, and the signature
	// covers the original path anyway. It is answered as a misconfiguration.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	base.Path = strings.TrimSuffix(base.Path, "/")
	base.RawPath = ""
	return &Backend{base: base, opts: opts, client: c, backoff: defaultBackoff}, nil
}

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 16
	t.ResponseHeaderTimeout = 30 * time.Second
	return t
}

// resourceURL is <base>/<segment>/<segment>..., each segment escaped.
func (b *Backend) resourceURL(segments ...string) *url.URL {
	u := *b.base
	var path, raw strings.Builder
	for _, seg := range segments {
		path.WriteString("/" + seg)
		raw.WriteString("/" + url.PathEscape(seg))
	}
	u.Path = b.base.Path + path.String()
	u.RawPath = b.base.EscapedPath() + raw.String()
	return &u
}

// request is one call of the contract.
type request struct {
	method string
	url    *url.URL
	// what names the resource in errors: member "k", group "g".
	what string
	body []byte
}

func (b *Backend) memberRequest(method, key string, body []byte) request {
	return request{method: method, url: b.resourceURL("members", key), what: fmt.Sprintf("member %q", key), body: body}
}

// Observe GETs the member; 404 means not found.
func (b *Backend) Observe(ctx context.Context, key string) (backend.Member, bool, error) {
	resp, err := b.do(ctx, b.memberRequest(http.MethodGet, key, nil))
	if err != nil {
		return backend.Member{}, false, err
	}
	if resp.status == http.StatusNotFound {
		return backend.Member{}, false, nil
	}
	var m backend.Member
	if err := json.Unmarshal(resp.body, &m); err != nil {
		return backend.Member{}, false, backend.InvalidConfig(fmt.Errorf("decode member %q from the member API: %w", key, err))
	}
	if m.Key == "" {
		m.Key = key
	}
	return m, true, nil
}

// Upsert PUTs the member.
func (b *Backend) Upsert(ctx context.Context, m backend.Member) error {
	m.Profile = m.ProfileOrEmpty()
	m.Extensions = m.ExtensionsOrEmpty()
	body, err := json.Marshal(m)
	if err != nil {
		return backend.Rejected(fmt.Errorf("encode member %q: %w", m.Key, err))
	}
	resp, err := b.do(ctx, b.memberRequest(http.MethodPut, m.Key, body))
	if err != nil {
		return err
	}
	if resp.status == http.StatusNotFound {
		return backend.InvalidConfig(fmt.Errorf("put member %q: %s answered 404: is the URL the member API's base?", m.Key, b.base.Redacted()))
	}
	return nil
}

// Deactivate reads the member and PUTs it back with active false. An
// unknown member is left unknown.
func (b *Backend) Deactivate(ctx context.Context, key string) error {
	m, found, err := b.Observe(ctx, key)
	if err != nil || !found || !m.Active {
		return err
	}
	m.Active = false
	return b.Upsert(ctx, m)
}

// Delete DELETEs the member, which removes its memberships too; 404
// counts as done.
func (b *Backend) Delete(ctx context.Context, key string) error {
	_, err := b.do(ctx, b.memberRequest(http.MethodDelete, key, nil))
	return err
}

// Close releases idle connections.
func (b *Backend) Close() error {
	b.client.CloseIdleConnections()
	return nil
}

type response struct {
	status int
	body   []byte
}

// do sends one call, retrying transient failures with jittered backoff and
// honouring Retry-After. 2xx and 404 are answers; the rest are classified errors.
func (b *Backend) do(ctx context.Context, r request) (response, error) {
	var last error
	for attempt := range b.opts.MaxAttempts {
		resp, err := b.attempt(ctx, r)
		if err == nil {
			return resp, nil
		}
		last = err
		if !backend.IsTransient(err) || attempt == b.opts.MaxAttempts-1 {
			break
		}
		wait := b.backoff.delay(attempt)
		if ra := backend.RetryAfterOf(err); ra > 0 {
			if ra > b.opts.MaxRetryAfter {
				break // the caller requeues after it
			}
			wait = ra
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return response{}, backend.Unavailable(fmt.Errorf("%s %s: %w (last error: %w)", r.method, r.what, ctx.Err(), last))
		case <-timer.C:
		}
	}
	return response{}, last
}

func (b *Backend) attempt(ctx context.Context, r request) (response, error) {
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	method, body := r.method, r.body
	req, err := http.NewRequestWithContext(ctx, method, r.url.String(), bytes.NewReader(body))
	if err != nil {
		return response{}, backend.InvalidConfig(fmt.Errorf("build %s request for %s: %w", method, r.what, err))
	}
	if body == nil {
		body = []byte{}
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "rollcall-member-client/1")
	req.Header.Set("Authorization", "Bearer "+b.opts.Token)
	ts, nonce := timestampOf(b.opts.Now()), newNonce()
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, Sign(b.opts.SigningKey, ts, nonce, method, req.URL.EscapedPath(), body))

	resp, err := b.client.Do(req)
	if err != nil {
		return response{}, backend.Unavailable(fmt.Errorf("%s %s: %w", method, r.what, err))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes))
	if err != nil {
		return response{}, backend.Unavailable(fmt.Errorf("read %s %s response: %w", method, r.what, err))
	}
	return classifyResponse(method, r.what, resp, data)
}

func classifyResponse(method, what string, resp *http.Response, data []byte) (response, error) {
	status := resp.StatusCode
	if status/100 == 2 || status == http.StatusNotFound {
		return response{status: status, body: data}, nil
	}
	err := fmt.Errorf("%s %s: the member API answered %d: %s", method, what, status, errorText(data))
	switch {
	case status/100 == 3:
		return response{}, backend.InvalidConfig(fmt.Errorf("%s %s: the member API answered %d, a redirect to %q, which is not followed: set the member API URL to where it points", method, what, status, redactedLocation(resp)))
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return response{}, backend.InvalidCredentials(err)
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		return response{}, backend.UnavailableFor(err, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	case status >= 500 || status == http.StatusRequestTimeout:
		return response{}, backend.Unavailable(err)
	default:
		return response{}, backend.Rejected(err)
	}
}

// errorText is the error message of a JSON error body, or a short prefix of the body.
func errorText(data []byte) string {
	var e ErrorBody
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return e.Error
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// redactedLocation is a redirect's target without any user:password.
func redactedLocation(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil {
		return ""
	}
	return loc.Redacted()
}
