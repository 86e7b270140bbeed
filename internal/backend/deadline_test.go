package backend_test

import (
	"context"
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/backendtest"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
)

func TestCallTimeoutConformance(t *testing.T) {
	backendtest.Run(t, func(*testing.T) backend.Backend { return backend.WithCallTimeout(fake.New(), time.Second) })
}

// A backend that never answers costs a caller the call timeout, not more,
// and the call fails as transient.
func TestCallTimeoutBoundsAHangingBackend(t *testing.T) {
	inner := fake.New()
	inner.SetHang(true)
	b := backend.WithCallTimeout(inner, 100*time.Millisecond)
	ctx := context.Background()
	calls := map[string]func() error{
		"observe":    func() error { _, _, err := b.Observe(ctx, "k"); return err },
		"upsert":     func() error { return b.Upsert(ctx, backend.Member{Key: "k", UserName: "u", Active: true}) },
		"deactivate": func() error { return b.Deactivate(ctx, "k") },
		"delete":     func() error { return b.Delete(ctx, "k") },
	}
	for op, call := range calls {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !backend.IsTransient(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v, want a transient deadline error", op, err)
		}
		if took > 5*time.Second {
			t.Errorf("%s took %s, want about the 100ms call timeout", op, took)
		}
	}
	if len(inner.Members()) != 0 {
		t.Fatalf("a timed-out upsert stored a member: %v", inner.Members())
	}
}

// The caller's own cancellation is passed on as it is, not taken for a
// timeout of the backend.
func TestCallTimeoutKeepsTheCallersCancellation(t *testing.T) {
	inner := fake.New()
	inner.SetHang(true)
	b := backend.WithCallTimeout(inner, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := b.Observe(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the caller's cancellation", err)
	}
}

// Lifting the hang lets a blocked call through; calls in progress are counted.
func TestFakeHangIsLifted(t *testing.T) {
	inner := fake.New()
	inner.SetHang(true)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			errs <- inner.Upsert(context.Background(), backend.Member{Key: "k", UserName: "u", Active: true})
		}()
	}
	NewWithT(t).Eventually(inner.MaxInFlight).WithTimeout(10 * time.Second).Should(Equal(2))
	inner.SetHang(false)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if inner.MaxInFlight() != 2 || inner.Created() != 1 || len(inner.Members()) != 1 {
		t.Fatalf("in flight %d, created %d, members %d; want 2, 1, 1", inner.MaxInFlight(), inner.Created(), len(inner.Members()))
	}
}
