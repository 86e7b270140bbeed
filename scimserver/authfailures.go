package scimserver

import (
	"container/list"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// authFailures throttles failed authentication per client address: a token
// bucket per address that only failures drain (burst failures, then
// perSecond). While an address's bucket is empty its requests are answered
// 429 before the workspace is looked up or the token compared, whatever
// token they carry; other addresses are unaffected.
//
// The table holds at most max addresses. An address that has not failed is
// not in it, so correct tokens never grow it; when it is full the address
// that failed longest ago is forgotten (a full bucket would be the same as
// no entry, and an address that failed long ago has refilled).
type authFailures struct {
	burst     float64
	perSecond float64
	max       int

	mu      sync.Mutex
	entries map[string]*list.Element
	// order holds *failureBucket, the most recent failure first.
	order *list.List
}

type failureBucket struct {
	client string
	// tokens is what is left at last; below zero when failures that passed
	// wait together drained more than there was.
	tokens float64
	last   time.Time
}

func newAuthFailures(burst int, perSecond float64, maxClients int) *authFailures {
	return &authFailures{burst: float64(burst), perSecond: perSecond, max: maxClients,
		entries: map[string]*list.Element{}, order: list.New()}
}

// wait is how long client must wait before its next request is looked at,
// or 0 when it may go on.
func (f *authFailures) wait(client string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.entries[client]
	if !ok {
		return 0
	}
	b := e.Value.(*failureBucket)
	tokens := f.refilled(b, now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1 - tokens) / f.perSecond * float64(time.Second)))
}

// fail takes one token from client's bucket.
func (f *authFailures) fail(client string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.entries[client]; ok {
		b := e.Value.(*failureBucket)
		// Concurrent failures may take the bucket below zero, but not
		// without bound: the wait stays at most burst/perSecond longer.
		b.tokens = math.Max(f.refilled(b, now)-1, -f.burst)
		b.last = now
		f.order.MoveToFront(e)
		return
	}
	for f.order.Len() >= f.max {
		oldest := f.order.Back()
		delete(f.entries, oldest.Value.(*failureBucket).client)
		f.order.Remove(oldest)
	}
	f.entries[client] = f.order.PushFront(&failureBucket{client: client, tokens: f.burst - 1, last: now})
}

func (f *authFailures) refilled(b *failureBucket, now time.Time) float64 {
	elapsed := now.Sub(b.last).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	return math.Min(f.burst, b.tokens+elapsed*f.perSecond)
}

// len is the number of addresses in the table.
func (f *authFailures) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.order.Len()
}

// clientAddress is the address failed authentication is counted against:
// the connection's peer (r.RemoteAddr). X-Forwarded-For is read only when
// the peer is one of the trusted proxies: then the client is the rightmost
// address in it that is not itself a trusted proxy (the one the first
// trusted hop saw; whatever the client wrote to the left of it is not
// believed). IPv6 addresses count by their /64, which one host usually
// holds whole.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if isTrusted(peer, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			hop = hop.Unmap()
			if !isTrusted(hop, trusted) {
				peer = hop
				break
			}
		}
	}
	if peer.Is6() {
		p, _ := peer.Prefix(64)
		return p.String()
	}
	return peer.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
