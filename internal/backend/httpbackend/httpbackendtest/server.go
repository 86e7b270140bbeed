package httpbackendtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// BasePath is where the server mounts the member API; use URL() as the
// Workspace's spec.backend.http.url.
const BasePath = "/api"

// Failure is an injected answer: a status code and an optional Retry-After.
type Failure struct {
	Status     int
	RetryAfter string
}

// Server is an in-memory member store behind the contract's checks.
type Server struct {
	*httptest.Server
	Verifier *httpbackend.Verifier

	// PageSize is the most member keys one page of a group's members
	// holds (and the default limit); zero means httpbackend.MembersPageSize.
	// Set it before the first request.
	PageSize int

	mu          sync.Mutex
	members     map[string]backend.Member
	groups      map[string]backend.Group
	memberships map[string]map[string]bool // group key → member keys
	bodies      map[string][]byte          // the last PUT body of each member
	arrivals    []time.Time
	fail        []Failure
}

// Start starts a server that accepts token and signingKey. Close it when done.
func Start(token, signingKey string) *Server {
	s := &Server{
		members:     map[string]backend.Member{},
		groups:      map[string]backend.Group{},
		memberships: map[string]map[string]bool{},
		bodies:      map[string][]byte{},
		Verifier:    &httpbackend.Verifier{Token: []byte(token), SigningKey: []byte(signingKey)},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+BasePath+"/members/{key}", s.get)
	mux.HandleFunc("PUT "+BasePath+"/members/{key}", s.put)
	mux.HandleFunc("DELETE "+BasePath+"/members/{key}", s.delete)
	mux.HandleFunc("GET "+BasePath+"/groups/{key}", s.getGroup)
	mux.HandleFunc("PUT "+BasePath+"/groups/{key}", s.putGroup)
	mux.HandleFunc("DELETE "+BasePath+"/groups/{key}", s.deleteGroup)
	mux.HandleFunc("GET "+BasePath+"/groups/{key}/members", s.listGroupMembers)
	mux.HandleFunc("POST "+BasePath+"/groups/{key}/members", s.changeGroupMembers)
	s.Server = httptest.NewServer(s.injectFailures(s.Verifier.Middleware(mux)))
	return s
}

// URL is the base URL of the member API.
func (s *Server) URL() string { return s.Server.URL + BasePath }

// FailNext makes the next requests (any verb, before the signature check)
// answer with the given failures, in order.
func (s *Server) FailNext(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, f...)
}

// Arrivals returns when each request arrived.
func (s *Server) Arrivals() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.arrivals...)
}

// Member returns the stored member with key.
func (s *Server) Member(key string) (backend.Member, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.members[key]
	return m, ok
}

// LastBody is the body of the last PUT of the member with key, as sent.
func (s *Server) LastBody(key string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[key]
}

// Members returns every stored member, in no order.
func (s *Server) Members() []backend.Member {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]backend.Member, 0, len(s.members))
	for _, m := range s.members {
		out = append(out, m)
	}
	return out
}

// Len returns how many members are stored.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.members)
}

func (s *Server) injectFailures(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.arrivals = append(s.arrivals, time.Now())
		var f *Failure
		if len(s.fail) > 0 {
			f = &s.fail[0]
			s.fail = s.fail[1:]
		}
		s.mu.Unlock()
		if f != nil {
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			writeError(w, f.Status, "injected "+strconv.Itoa(f.Status))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	m, ok := s.Member(r.PathValue("key"))
	if !ok {
		writeError(w, http.StatusNotFound, "no such member")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(m)
}

func (s *Server) put(w http.ResponseWriter, r *http.Request) {
	var m backend.Member
	body, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	if err != nil || m.Key != r.PathValue("key") || m.UserName == "" {
		writeError(w, http.StatusBadRequest, "body must be a member with a userName whose key matches the path")
		return
	}
	s.mu.Lock()
	_, existed := s.members[m.Key]
	s.members[m.Key] = m
	s.bodies[m.Key] = body
	s.mu.Unlock()
	if existed {
		w.WriteHeader(http.StatusOK)
	} else {
		w.WriteHeader(http.StatusCreated)
	}
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := r.PathValue("key")
	_, ok := s.members[key]
	delete(s.members, key)
	for _, set := range s.memberships {
		delete(set, key)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no such member")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(httpbackend.ErrorBody{Error: msg})
}
