package scimload

import (
	"math"
	"slices"
	"time"
)

// Latencies collects durations; not safe for concurrent use.
type Latencies struct {
	d      []time.Duration
	sorted bool
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.d = append(l.d, d)
	l.sorted = false
}

// Count is how many durations were recorded.
func (l *Latencies) Count() int {
	if l == nil {
		return 0
	}
	return len(l.d)
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100): the
// smallest recorded duration that at least p % of the durations do not
// exceed. Zero when nothing was recorded.
func (l *Latencies) Percentile(p float64) time.Duration {
	if l.Count() == 0 {
		return 0
	}
	if !l.sorted {
		slices.Sort(l.d)
		l.sorted = true
	}
	rank := int(math.Ceil(p / 100 * float64(len(l.d))))
	rank = min(max(rank, 1), len(l.d))
	return l.d[rank-1]
}

// Max is the largest recorded duration.
func (l *Latencies) Max() time.Duration { return l.Percentile(100) }

// Merge adds every duration of o.
func (l *Latencies) Merge(o *Latencies) {
	if o == nil {
		return
	}
	l.d = append(l.d, o.d...)
	l.sorted = false
}
