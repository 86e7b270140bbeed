package scimserver

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// rateLimiters holds one token bucket per workspace, sized by
// spec.scim.rateLimit and resized when it changes.
type rateLimiters struct {
	mu       sync.Mutex
	limiters map[store.Workspace]*rate.Limiter
}

func newRateLimiters() *rateLimiters {
	return &rateLimiters{limiters: map[store.Workspace]*rate.Limiter{}}
}

// allow takes a token from ws's bucket, or says how long to wait for one.
func (l *rateLimiters) allow(ws *identityv1alpha1.Workspace, now time.Time) (bool, time.Duration) {
	rl := ws.Spec.SCIM.RateLimit.OrDefault()
	rps, burst := float64(rl.RequestsPerSecond), int(rl.Burst)
	key := store.Workspace{Namespace: ws.Namespace, Name: ws.Name}
	l.mu.Lock()
	lim, ok := l.limiters[key]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(rps), burst)
		l.limiters[key] = lim
	}
	l.mu.Unlock()
	if lim.Limit() != rate.Limit(rps) {
		lim.SetLimitAt(now, rate.Limit(rps))
	}
	if lim.Burst() != burst {
		lim.SetBurstAt(now, burst)
	}
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Second
	}
	if delay := res.DelayFrom(now); delay > 0 {
		res.CancelAt(now)
		return false, delay
	}
	return true, 0
}
