package httpbackend_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// A member API that answers with a redirect must not get the bearer token
// sent on to wherever it points: Go's client forwards Authorization to any
// port and scheme of the same host name (https://app → http://app), so a
// redirect would put the token on another service or on the wire in clear.
func TestRedirectIsNotFollowedWithTheToken(t *testing.T) {
	var (
		mu         sync.Mutex
		leakedAuth []string
	)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leakedAuth = append(leakedAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(elsewhere.Close)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirecting.Close)

	for name, b := range map[string]interface {
		Upsert(context.Context, backend.Member) error
	}{
		"default client":  newClient(t, redirecting.URL),
		"caller's client": newClient(t, redirecting.URL, func(o *httpbackend.Options) { o.Client = &http.Client{} }),
	} {
		t.Run(name, func(t *testing.T) {
			mu.Lock()
			leakedAuth = nil
			mu.Unlock()
			err := b.Upsert(context.Background(), member("k", "A"))
			if got := backend.KindOf(err); got != backend.KindInvalidConfig {
				t.Fatalf("kind = %s, want InvalidConfig for a redirecting member API (error: %v)", got, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, auth := range leakedAuth {
				if auth != "" {
					t.Fatalf("the redirect target received the bearer token: Authorization %q", auth)
				}
			}
			if len(leakedAuth) != 0 {
				t.Fatalf("the client followed the redirect %d times", len(leakedAuth))
			}
		})
	}
}
