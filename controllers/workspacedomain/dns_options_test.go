package workspacedomain

import (
	"testing"
	"time"
)

func TestDNSBackoffDoublesWithJitterUpToTheMaximum(t *testing.T) {
	o := DNSOptions{InitialInterval: time.Second, MaxInterval: 10 * time.Second, Jitter: 0.2}.withDefaults()
	tests := []struct {
		misses   int
		min, max time.Duration
	}{
		{1, time.Second, 1200 * time.Millisecond},
		{2, 2 * time.Second, 2400 * time.Millisecond},
		{4, 8 * time.Second, 9600 * time.Millisecond},
		{5, 10 * time.Second, 12 * time.Second},
		{60, 10 * time.Second, 12 * time.Second},
	}
	for _, tt := range tests {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := o.backoff(tt.misses)
			if d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tt.misses, d, tt.min, tt.max)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d) gave the same wait 50 times: no jitter", tt.misses)
		}
	}
}

func TestDNSOptionsDefaults(t *testing.T) {
	o := DNSOptions{}.withDefaults()
	if o.Resolver == nil || o.InitialInterval != 10*time.Second || o.MaxInterval != 10*time.Minute ||
		o.RecheckInterval != time.Hour || o.GracePeriod != 24*time.Hour || o.Jitter != 0.2 {
		t.Fatalf("defaults = %+v", o)
	}
}
