package dnschallenge_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/dnschallenge"
	"github.com/rollcall-dev/rollcall/internal/testdns"
)

func TestNewValueIsRandomAndLongEnough(t *testing.T) {
	a, err := dnschallenge.NewValue()
	if err != nil {
		t.Fatal(err)
	}
	b, err := dnschallenge.NewValue()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two challenges are equal: %q", a)
	}
	random := strings.TrimPrefix(a, dnschallenge.ValuePrefix)
	if random == a || len(random) < 22 { // 22 base64url characters carry 128 bits
		t.Fatalf("challenge %q lacks the prefix or 128 bits of randomness", a)
	}
}

func TestCheckAgainstARealDNSServer(t *testing.T) {
	srv := testdns.Start(t)
	resolver := dnschallenge.NewResolver(srv.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	name := dnschallenge.RecordName("example.com")
	if name != "_rollcall-challenge.example.com" {
		t.Fatalf("record name = %q", name)
	}
	value := dnschallenge.ValuePrefix + "abc"

	found, err := dnschallenge.Check(ctx, resolver, name, value)
	if err != nil || found {
		t.Fatalf("missing record: found=%v err=%v, want false, nil", found, err)
	}

	srv.SetTXT(name, "v=spf1 -all", dnschallenge.ValuePrefix+"someone-else")
	found, err = dnschallenge.Check(ctx, resolver, name, value)
	if err != nil || found {
		t.Fatalf("other records only: found=%v err=%v, want false, nil", found, err)
	}

	long := value + strings.Repeat("x", 300) // more than one character-string
	srv.SetTXT(name, "v=spf1 -all", long)
	found, err = dnschallenge.Check(ctx, resolver, name, long)
	if err != nil || !found {
		t.Fatalf("published record: found=%v err=%v, want true, nil", found, err)
	}
	if srv.Queries() < 3 {
		t.Fatalf("the DNS server answered %d questions; the checks did not reach it", srv.Queries())
	}
}

func TestCheckReportsAnUnreachableResolver(t *testing.T) {
	// Nothing listens on this port of loopback: the lookup fails, and that
	// must not read as "record missing".
	resolver := dnschallenge.NewResolver("127.0.0.1:1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	found, err := dnschallenge.Check(ctx, resolver, "_rollcall-challenge.example.com", "x")
	if err == nil {
		t.Fatalf("unreachable resolver: found=%v with no error", found)
	}
}
