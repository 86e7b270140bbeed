package scimserver

import "time"

// SetClock replaces the server's clock, for tests of time-dependent rules
// (stale userName claims).
func SetClock(s *Server, now func() time.Time) {
	s.now = now
	s.claims.now = now
}
