package httpbackend_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// memberAPI is an application implementing docs/member-api.yaml in memory,
// behind the signature check.
type memberAPI struct {
	mu       sync.Mutex
	members  map[string]backend.Member
	arrivals []time.Time
	// fail, when set, answers the next requests with these statuses (and
	// Retry-After values) before serving normally.
	fail []failure
}

type failure struct {
	status     int
	retryAfter string
}

const (
	testToken      = "app-token-0123456789"
	testSigningKey = "app-signing-key-abcdef"
)

func startMemberAPI(t *testing.T) (*memberAPI, *httptest.Server, *httpbackend.Verifier) {
	api := &memberAPI{members: map[string]backend.Member{}}
	v := &httpbackend.Verifier{Token: []byte(testToken), SigningKey: []byte(testSigningKey)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/members/{key}", api.get)
	mux.HandleFunc("PUT /api/members/{key}", api.put)
	mux.HandleFunc("DELETE /api/members/{key}", api.delete)
	srv := httptest.NewServer(api.injectFailures(v.Middleware(mux)))
	t.Cleanup(srv.Close)
	return api, srv, v
}

func (a *memberAPI) injectFailures(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.arrivals = append(a.arrivals, time.Now())
		var f *failure
		if len(a.fail) > 0 {
			f = &a.fail[0]
			a.fail = a.fail[1:]
		}
		a.mu.Unlock()
		if f != nil {
			if f.retryAfter != "" {
				w.Header().Set("Retry-After", f.retryAfter)
			}
			w.WriteHeader(f.status)
			_, _ = w.Write([]byte(`{"error":"injected ` + strconv.Itoa(f.status) + `"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *memberAPI) get(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	m, ok := a.members[r.PathValue("key")]
	a.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(m)
}

func (a *memberAPI) put(w http.ResponseWriter, r *http.Request) {
	var m backend.Member
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.Key != r.PathValue("key") || m.UserName == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"body must be a member whose key matches the path"}`))
		return
	}
	a.mu.Lock()
	_, existed := a.members[m.Key]
	a.members[m.Key] = m
	a.mu.Unlock()
	if existed {
		w.WriteHeader(http.StatusOK)
	} else {
		w.WriteHeader(http.StatusCreated)
	}
}

func (a *memberAPI) delete(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	_, ok := a.members[r.PathValue("key")]
	delete(a.members, r.PathValue("key"))
	a.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *memberAPI) failNext(f ...failure) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.fail = append(a.fail, f...)
}

func (a *memberAPI) requests() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.arrivals...)
}

func (a *memberAPI) member(key string) (backend.Member, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, ok := a.members[key]
	return m, ok
}
