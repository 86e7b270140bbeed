package backend_test

import (
	"context"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/backendtest"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
)

func TestRateLimitedConformance(t *testing.T) {
	backendtest.Run(t, func(*testing.T) backend.Backend { return backend.WithRateLimit(fake.New(), 1000, 100) })
}

func TestRateLimitHoldsCallsBack(t *testing.T) {
	inner := fake.New()
	b := backend.WithRateLimit(inner, 1, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var refused int
	for range 5 {
		if _, _, err := b.Observe(ctx, "k"); err != nil {
			if !backend.IsTransient(err) {
				t.Fatalf("a call held back by the limit must be transient, got %v", err)
			}
			refused++
		}
	}
	if got := inner.Calls(fake.OpObserve); got != 2 {
		t.Fatalf("the backend saw %d calls within 200ms at 1/s with burst 2, want 2", got)
	}
	if refused != 3 {
		t.Fatalf("refused = %d, want 3", refused)
	}
}

func TestErrorKinds(t *testing.T) {
	for _, c := range []struct {
		err       error
		kind      backend.ErrorKind
		transient bool
	}{
		{backend.Unavailable(context.DeadlineExceeded), backend.KindUnavailable, true},
		{backend.UnavailableFor(context.DeadlineExceeded, time.Second), backend.KindUnavailable, true},
		{backend.InvalidCredentials(context.Canceled), backend.KindInvalidCredentials, false},
		{backend.InvalidConfig(context.Canceled), backend.KindInvalidConfig, false},
		{backend.Rejected(context.Canceled), backend.KindRejected, false},
		{context.Canceled, backend.KindUnavailable, true},
	} {
		if got := backend.KindOf(c.err); got != c.kind {
			t.Errorf("KindOf(%v) = %s, want %s", c.err, got, c.kind)
		}
		if got := backend.IsTransient(c.err); got != c.transient {
			t.Errorf("IsTransient(%v) = %v, want %v", c.err, got, c.transient)
		}
	}
	if got := backend.RetryAfterOf(backend.UnavailableFor(context.Canceled, 7*time.Second)); got != 7*time.Second {
		t.Errorf("RetryAfterOf = %s, want 7s", got)
	}
}
