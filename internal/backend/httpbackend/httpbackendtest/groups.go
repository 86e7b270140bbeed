package httpbackendtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// Group returns the stored group with key.
func (s *Server) Group(key string) (backend.Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[key]
	return g, ok
}

// Memberships returns the member keys of the group, sorted, as stored.
func (s *Server) Memberships(groupKey string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.memberships[groupKey]))
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	g, ok := s.Group(r.PathValue("key"))
	if !ok {
		writeError(w, http.StatusNotFound, "no such group")
		return
	}
	writeJSON(w, g)
}

func (s *Server) putGroup(w http.ResponseWriter, r *http.Request) {
	var g backend.Group
	if err := json.NewDecoder(r.Body).Decode(&g); err != nil || g.Key != r.PathValue("key") || g.DisplayName == "" {
		writeError(w, http.StatusBadRequest, "body must be a group with a displayName whose key matches the path")
		return
	}
	s.mu.Lock()
	_, existed := s.groups[g.Key]
	s.groups[g.Key] = g
	s.mu.Unlock()
	if existed {
		w.WriteHeader(http.StatusOK)
	} else {
		w.WriteHeader(http.StatusCreated)
	}
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	s.mu.Lock()
	_, ok := s.groups[key]
	delete(s.groups, key)
	delete(s.memberships, key)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no such group")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listGroupMembers answers one page: the member keys after "after", at
// most "limit" of them, and the last one as "next" when more follow.
func (s *Server) listGroupMembers(w http.ResponseWriter, r *http.Request) {
	pageSize := s.PageSize
	if pageSize <= 0 {
		pageSize = httpbackend.MembersPageSize
	}
	limit := pageSize
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "limit must be a positive integer")
			return
		}
		limit = min(n, pageSize)
	}
	after := r.URL.Query().Get("after")
	s.mu.Lock()
	_, ok := s.groups[r.PathValue("key")]
	keys := slices.Sorted(maps.Keys(s.memberships[r.PathValue("key")]))
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no such group")
		return
	}
	start, _ := slices.BinarySearch(keys, after)
	if start < len(keys) && keys[start] == after {
		start++
	}
	page := httpbackend.MembersPage{Members: keys[start:min(start+limit, len(keys))]}
	if start+limit < len(keys) {
		page.Next = page.Members[len(page.Members)-1]
	}
	if page.Members == nil {
		page.Members = []string{}
	}
	writeJSON(w, page)
}

// changeGroupMembers adds or removes memberships; keys of members the
// server does not hold are skipped.
func (s *Server) changeGroupMembers(w http.ResponseWriter, r *http.Request) {
	var change httpbackend.MembershipChange
	if err := json.NewDecoder(r.Body).Decode(&change); err != nil || (len(change.Add) == 0) == (len(change.Remove) == 0) {
		writeError(w, http.StatusBadRequest, `body must be {"add":[keys]} or {"remove":[keys]}, one non-empty list`)
		return
	}
	if n := len(change.Add) + len(change.Remove); n > backend.MaxGroupMembersPerCall {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%d member keys, over %d", n, backend.MaxGroupMembersPerCall))
		return
	}
	key := r.PathValue("key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[key]; !ok {
		writeError(w, http.StatusNotFound, "no such group")
		return
	}
	set := s.memberships[key]
	if set == nil {
		set = map[string]bool{}
		s.memberships[key] = set
	}
	for _, k := range change.Add {
		if _, ok := s.members[k]; ok {
			set[k] = true
		}
	}
	for _, k := range change.Remove {
		delete(set, k)
	}
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
