package workspacedomain

import (
	"context"
	"flag"
	"net"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/testdns"
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

func TestBindDNSFlags(t *testing.T) {
	srv := testdns.Start(t)
	srv.SetTXT("_rollcall-challenge.example.com", "hello")
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	options := BindDNSFlags(fs)
	err := fs.Parse([]string{"--dns-resolver=" + srv.Addr(), "--dns-initial-interval=2s", "--dns-max-interval=1m",
		"--dns-recheck-interval=30m", "--dns-grace-period=72h"})
	if err != nil {
		t.Fatal(err)
	}
	o := options()
	if o.InitialInterval != 2*time.Second || o.MaxInterval != time.Minute || o.RecheckInterval != 30*time.Minute || o.GracePeriod != 72*time.Hour {
		t.Fatalf("options = %+v", o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	txt, err := o.Resolver.LookupTXT(ctx, "_rollcall-challenge.example.com.")
	if err != nil || len(txt) != 1 || txt[0] != "hello" {
		t.Fatalf("the resolver from --dns-resolver asked elsewhere: %v %v", txt, err)
	}

	defaults := BindDNSFlags(flag.NewFlagSet("manager", flag.ContinueOnError))()
	if defaults.Resolver != net.DefaultResolver || defaults.GracePeriod != DefaultDNSGracePeriod || defaults.InitialInterval != DefaultDNSInitialInterval {
		t.Fatalf("defaults = %+v", defaults)
	}
}
