// Package testdns runs a real authoritative DNS server on loopback UDP for
// tests: TXT records are added and removed while it runs, and every other
// question gets NXDOMAIN.
package testdns

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server answers TXT questions from the records set on it.
type Server struct {
	addr string

	mu      sync.Mutex
	records map[string][]string // FQDN, lower case → TXT values
	queries int
}

// Start listens on 127.0.0.1 on a free UDP port and serves until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for DNS on loopback: %v", err)
	}
	s := &Server{addr: pc.LocalAddr().String(), records: map[string][]string{}}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: func() { close(started) }}
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("serve DNS: %v", err)
	}
	t.Cleanup(func() {
		_ = srv.Shutdown()
		if err := <-done; err != nil {
			t.Errorf("DNS server stopped with error: %v", err)
		}
	})
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// SetTXT makes name answer with the given TXT values (one record each).
func (s *Server) SetTXT(name string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[dns.CanonicalName(name)] = values
}

// Delete removes every record of name.
func (s *Server) Delete(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, dns.CanonicalName(name))
}

// Queries is how many questions the server has answered.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.Authoritative = true
	s.mu.Lock()
	s.queries++
	for _, q := range req.Question {
		values, ok := s.records[strings.ToLower(q.Name)]
		if !ok {
			resp.Rcode = dns.RcodeNameError
			continue
		}
		if q.Qtype != dns.TypeTXT {
			continue
		}
		for _, v := range values {
			resp.Answer = append(resp.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0},
				Txt: splitTXT(v),
			})
		}
	}
	s.mu.Unlock()
	_ = w.WriteMsg(resp)
}

// splitTXT splits a value into character-strings of at most 255 bytes, as a
// zone file would.
func splitTXT(v string) []string {
	var parts []string
	for len(v) > 255 {
		parts = append(parts, v[:255])
		v = v[255:]
	}
	return append(parts, v)
}
