package scimserver

import (
	"k8s.io/utils/clock"

	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// SetClock replaces the server's clock, for tests of time-dependent rules
// (stale userName claims, lastModified).
func SetClock(s *Server, clk clock.PassiveClock) {
	s.clock = clk
	s.claims = store.NewClaims(s.client, s.apiReader, clk)
}

// MembershipReads is the number of times the server read membership shards.
func MembershipReads(s *Server) uint64 { return s.members.Reads() }
