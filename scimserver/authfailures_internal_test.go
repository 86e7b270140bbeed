package scimserver

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestAuthFailuresThrottleAfterTheBurst(t *testing.T) {
	f := newAuthFailures(3, 1, 100)
	now := time.Now()
	for i := 0; i < 3; i++ {
		if w := f.wait("192.0.2.1", now); w != 0 {
			t.Fatalf("failure %d: wait %v before the burst is used", i, w)
		}
		f.fail("192.0.2.1", now)
	}
	if w := f.wait("192.0.2.1", now); w <= 0 || w > time.Second {
		t.Fatalf("after the burst the wait is %v, want (0, 1s]", w)
	}
	if w := f.wait("192.0.2.2", now); w != 0 {
		t.Fatalf("another address waits %v", w)
	}
	if w := f.wait("192.0.2.1", now.Add(time.Second)); w != 0 {
		t.Fatalf("a second later the address still waits %v", w)
	}
	// Failures that passed the check together take the bucket below zero:
	// the wait grows, but only up to burst/perSecond.
	for i := 0; i < 10; i++ {
		f.fail("192.0.2.1", now.Add(time.Second))
	}
	if w := f.wait("192.0.2.1", now.Add(time.Second)); w != 4*time.Second {
		t.Fatalf("after concurrent failures the wait is %v, want 4s", w)
	}
}

func TestAuthFailuresTableIsBounded(t *testing.T) {
	const maxClients = 100
	f := newAuthFailures(1, 1, maxClients)
	now := time.Now()
	for i := 0; i < 10*maxClients; i++ {
		f.fail(fmt.Sprintf("10.0.%d.%d", i/256, i%256), now)
		if n := f.len(); n > maxClients {
			t.Fatalf("after %d addresses the table holds %d, more than %d", i+1, n, maxClients)
		}
	}
	last := fmt.Sprintf("10.0.%d.%d", (10*maxClients-1)/256, (10*maxClients-1)%256)
	if f.wait(last, now) == 0 {
		t.Fatalf("the address that failed last is not throttled")
	}
	if f.wait("10.0.0.0", now) != 0 {
		t.Fatalf("the address that failed first is still remembered")
	}
	// An address failing again moves to the front and outlives the others.
	f.fail("10.0.0.200", now)
	f.fail("10.0.0.200", now)
	for i := 0; i < maxClients-1; i++ {
		f.fail(fmt.Sprintf("10.1.%d.%d", i/256, i%256), now)
	}
	if f.wait("10.0.0.200", now) == 0 {
		t.Fatalf("a recent failure was forgotten before older ones")
	}
}

func TestClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"the peer", "192.0.2.7:51234", nil, nil, "192.0.2.7"},
		{"X-Forwarded-For is ignored by default", "192.0.2.7:51234", []string{"203.0.113.1"}, nil, "192.0.2.7"},
		{"X-Forwarded-For from a peer that is not trusted", "192.0.2.7:51234", []string{"203.0.113.1"}, proxies, "192.0.2.7"},
		{"X-Forwarded-For from a trusted proxy", "10.1.2.3:443", []string{"203.0.113.1"}, proxies, "203.0.113.1"},
		{"what the client wrote left of the proxy's entry is not believed", "10.1.2.3:443", []string{"198.51.100.9, 203.0.113.1"}, proxies, "203.0.113.1"},
		{"several trusted hops", "10.1.2.3:443", []string{"203.0.113.1", "10.9.9.9"}, proxies, "203.0.113.1"},
		{"a trusted proxy without the header", "10.1.2.3:443", nil, proxies, "10.1.2.3"},
		{"IPv6 counts by its /64", "[2001:db8:1:2:3:4:5:6]:443", nil, nil, "2001:db8:1:2::/64"},
		{"IPv4 mapped in IPv6", "[::ffff:192.0.2.7]:443", nil, nil, "192.0.2.7"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddress(r, tt.trusted); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
