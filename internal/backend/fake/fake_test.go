package fake_test

import (
	"context"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/backendtest"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
)

func TestFakeConformance(t *testing.T) {
	backendtest.Run(t, func(*testing.T) backend.Backend { return fake.New() })
}

func TestFakeFailureInjection(t *testing.T) {
	b := fake.New()
	ctx := context.Background()
	b.SetDown(true)
	err := b.Upsert(ctx, backend.Member{Key: "k", UserName: "u", Active: true})
	if !backend.IsTransient(err) {
		t.Fatalf("down backend: got %v, want a transient error", err)
	}
	b.SetDown(false)
	b.SetInvalidCredentials(true)
	err = b.Upsert(ctx, backend.Member{Key: "k", UserName: "u", Active: true})
	if backend.KindOf(err) != backend.KindInvalidCredentials {
		t.Fatalf("invalid credentials: got %v", err)
	}
	b.SetInvalidCredentials(false)
	if err := b.Upsert(ctx, backend.Member{Key: "k", UserName: "u", Active: true}); err != nil {
		t.Fatal(err)
	}
	if got := b.Calls(fake.OpUpsert); got != 3 {
		t.Fatalf("upsert calls = %d, want 3", got)
	}
	if got := b.Created(); got != 1 {
		t.Fatalf("created = %d, want 1", got)
	}
}
