package scimload

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	l := &Latencies{}
	if got := l.Percentile(99); got != 0 {
		t.Fatalf("empty: p99 = %v, want 0", got)
	}
	for i := 100; i >= 1; i-- { // added in reverse: Percentile sorts
		l.Add(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{99.5, 100 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0.1, 1 * time.Millisecond},
	} {
		if got := l.Percentile(tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	l.Add(500 * time.Millisecond)
	if got := l.Max(); got != 500*time.Millisecond {
		t.Errorf("max after add = %v, want 500ms", got)
	}
}

func TestPercentileOfOne(t *testing.T) {
	l := &Latencies{}
	l.Add(7 * time.Millisecond)
	if l.Percentile(50) != 7*time.Millisecond || l.Percentile(99) != 7*time.Millisecond {
		t.Fatalf("one sample: p50 %v p99 %v", l.Percentile(50), l.Percentile(99))
	}
}

func TestNamingIsStableAndDistinct(t *testing.T) {
	n := Naming{Prefix: "c-", Domain: "example.com"}
	if n.UserName(42) != "c-0000042@example.com" || n.ExternalID(42) != "c-0000042" {
		t.Fatalf("got %s %s", n.UserName(42), n.ExternalID(42))
	}
}
