package httpbackend

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff is capped exponential backoff with full jitter.
type backoff struct {
	base, max time.Duration
}

var defaultBackoff = backoff{base: 200 * time.Millisecond, max: 5 * time.Second}

// delay is a random wait in [0, min(max, base*2^attempt)).
func (b backoff) delay(attempt int) time.Duration {
	ceiling := b.max
	if attempt < 16 {
		ceiling = min(b.max, b.base<<attempt)
	}
	return time.Duration(rand.Int64N(int64(ceiling)) + 1)
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date; zero when
// absent or unreadable.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.Atoi(value); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
