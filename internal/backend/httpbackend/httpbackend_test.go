package httpbackend_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/backendtest"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
)

const (
	testToken      = "app-token-0123456789"
	testSigningKey = "app-signing-key-abcdef"
)

type failure = httpbackendtest.Failure

func startMemberAPI(t *testing.T) *httpbackendtest.Server {
	t.Helper()
	s := httpbackendtest.Start(testToken, testSigningKey)
	t.Cleanup(s.Close)
	return s
}

func newClient(t *testing.T, baseURL string, mutate ...func(*httpbackend.Options)) *httpbackend.Backend {
	t.Helper()
	opts := httpbackend.Options{BaseURL: baseURL, Token: testToken, SigningKey: []byte(testSigningKey), Timeout: 5 * time.Second}
	for _, m := range mutate {
		m(&opts)
	}
	b, err := httpbackend.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHTTPConformance(t *testing.T) {
	api := startMemberAPI(t)
	backendtest.Run(t, func(t *testing.T) backend.Backend { return newClient(t, api.URL()+"/") })
}

func member(key, name string) backend.Member {
	return backend.Member{Key: key, UserName: "ada@example.com", DisplayName: name, Active: true}
}

// recorder keeps a copy of every request the client sends.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(context.Background()))
	r.body = append(r.body, body)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) replay(t *testing.T, i int) int {
	t.Helper()
	r.mu.Lock()
	orig, body := r.reqs[i], r.body[i]
	r.mu.Unlock()
	req, err := http.NewRequest(orig.Method, orig.URL.String(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = orig.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestReplayedRequestIsRefused(t *testing.T) {
	api := startMemberAPI(t)
	rec := &recorder{}
	b := newClient(t, api.URL(), func(o *httpbackend.Options) { o.Client = &http.Client{Transport: rec} })
	ctx := context.Background()
	if err := b.Upsert(ctx, member("k1", "First")); err != nil {
		t.Fatal(err)
	}
	if err := b.Upsert(ctx, member("k1", "Second")); err != nil {
		t.Fatal(err)
	}
	if status := rec.replay(t, 0); status != http.StatusUnauthorized {
		t.Fatalf("replaying the first PUT answered %d, want 401", status)
	}
	if m, _ := api.Member("k1"); m.DisplayName != "Second" {
		t.Fatalf("after a replay the member is %q, want %q", m.DisplayName, "Second")
	}
}

func TestForgedRequestsAreRefused(t *testing.T) {
	api := startMemberAPI(t)
	ctx := context.Background()
	for name, mutate := range map[string]func(*httpbackend.Options){
		"wrong signing key": func(o *httpbackend.Options) { o.SigningKey = []byte("guessed") },
		"wrong token":       func(o *httpbackend.Options) { o.Token = "guessed" },
		"stale timestamp":   func(o *httpbackend.Options) { o.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) } },
	} {
		t.Run(name, func(t *testing.T) {
			before := len(api.Arrivals())
			err := newClient(t, api.URL(), mutate).Upsert(ctx, member("forged-"+name, "Mallory"))
			if got := backend.KindOf(err); got != backend.KindInvalidCredentials {
				t.Fatalf("kind = %s, want InvalidCredentials (error: %v)", got, err)
			}
			if _, ok := api.Member("forged-" + name); ok {
				t.Fatal("a forged request changed the store")
			}
			if n := len(api.Arrivals()) - before; n != 1 {
				t.Fatalf("a refused credential was tried %d times, want once", n)
			}
		})
	}

	// A request whose body was changed after signing.
	rec := &recorder{}
	b := newClient(t, api.URL(), func(o *httpbackend.Options) { o.Client = &http.Client{Transport: rec} })
	if err := b.Upsert(ctx, member("tampered", "Honest")); err != nil {
		t.Fatal(err)
	}
	rec.body[0] = bytes.Replace(rec.body[0], []byte("Honest"), []byte("Forged"), 1)
	rec.reqs[0].Header.Set(httpbackend.HeaderNonce, "fresh-nonce")
	if status := rec.replay(t, 0); status != http.StatusUnauthorized {
		t.Fatalf("a tampered body answered %d, want 401", status)
	}
	if m, _ := api.Member("tampered"); m.DisplayName != "Honest" {
		t.Fatalf("member is %q after a tampered request", m.DisplayName)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	api := startMemberAPI(t)
	api.FailNext(failure{Status: http.StatusTooManyRequests, RetryAfter: "1"})
	if err := newClient(t, api.URL()).Upsert(context.Background(), member("k", "A")); err != nil {
		t.Fatal(err)
	}
	arrivals := api.Arrivals()
	if len(arrivals) != 2 {
		t.Fatalf("requests = %d, want 2 (one 429, one retry)", len(arrivals))
	}
	if gap := arrivals[1].Sub(arrivals[0]); gap < time.Second {
		t.Fatalf("retried %s after a 429 with Retry-After: 1", gap)
	}
}

func TestLongRetryAfterGoesBackToTheCaller(t *testing.T) {
	api := startMemberAPI(t)
	api.FailNext(failure{Status: http.StatusTooManyRequests, RetryAfter: "120"})
	err := newClient(t, api.URL()).Upsert(context.Background(), member("k", "A"))
	if !backend.IsTransient(err) || backend.RetryAfterOf(err) != 120*time.Second {
		t.Fatalf("got %v (retry after %s), want a transient error asking for 120s", err, backend.RetryAfterOf(err))
	}
	if n := len(api.Arrivals()); n != 1 {
		t.Fatalf("requests = %d, want 1", n)
	}
}

func TestServerErrorsAreRetriedThenReported(t *testing.T) {
	api := startMemberAPI(t)
	api.FailNext(failure{Status: 500}, failure{Status: 502})
	b := newClient(t, api.URL())
	if err := b.Upsert(context.Background(), member("k", "A")); err != nil {
		t.Fatalf("two server errors then success: %v", err)
	}
	if _, ok := api.Member("k"); !ok {
		t.Fatal("member missing after the retries")
	}
	api.FailNext(failure{Status: 500}, failure{Status: 500}, failure{Status: 500})
	err := b.Upsert(context.Background(), member("k", "B"))
	if !backend.IsTransient(err) {
		t.Fatalf("three server errors: got %v, want a transient error", err)
	}
}

func TestUnreachableIsTransient(t *testing.T) {
	srv := startMemberAPI(t)
	url := srv.URL()
	srv.Close()
	b := newClient(t, url, func(o *httpbackend.Options) { o.MaxAttempts = 1 })
	_, _, err := b.Observe(context.Background(), "k")
	if !backend.IsTransient(err) {
		t.Fatalf("got %v, want a transient error", err)
	}
}

func TestRejectedMember(t *testing.T) {
	api := startMemberAPI(t)
	err := newClient(t, api.URL()).Upsert(context.Background(), backend.Member{Key: "k"})
	if got := backend.KindOf(err); got != backend.KindRejected {
		t.Fatalf("kind = %s, want Rejected (error: %v)", got, err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []httpbackend.Options{
		{BaseURL: "ftp://x", Token: "t", SigningKey: []byte("k")},
		{BaseURL: "https://x", SigningKey: []byte("k")},
		{BaseURL: "https://x", Token: "t"},
	} {
		if _, err := httpbackend.New(o); backend.KindOf(err) != backend.KindInvalidConfig {
			t.Errorf("New(%+v) = %v, want InvalidConfig", o, err)
		}
	}
}
