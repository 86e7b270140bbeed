package sqlbackend_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

func benchUpsertObserve(b *testing.B, opts sqlbackend.Options) {
	ctx := context.Background()
	be, err := sqlbackend.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = be.Close() }()
	m := backend.Member{UserName: "ada@example.com", DisplayName: "Ada", Email: "ada@example.com", Active: true,
		Profile: []byte(`{"title":"Analyst"}`)}
	b.Run("Upsert", func(b *testing.B) {
		i := 0
		for b.Loop() {
			m.Key = fmt.Sprintf("bench:%d", i%1000)
			if err := be.Upsert(ctx, m); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Observe", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, _, err := be.Observe(ctx, fmt.Sprintf("bench:%d", i%1000)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// benchGroupMembers times one AddGroupMembers and one RemoveGroupMembers
// of a full batch (backend.MaxGroupMembersPerCall members); the other call
// of each round is not timed.
func benchGroupMembers(b *testing.B, opts sqlbackend.Options) {
	ctx := context.Background()
	be, err := sqlbackend.Open(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = be.Close() }()
	keys := make([]string, backend.MaxGroupMembersPerCall)
	for i := range keys {
		keys[i] = fmt.Sprintf("bench:group:%04d", i)
		m := backend.Member{Key: keys[i], UserName: fmt.Sprintf("user%04d@example.com", i), Active: true}
		if err := be.Upsert(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	if err := be.UpsertGroup(ctx, backend.Group{Key: "bench:group", DisplayName: "Bench"}); err != nil {
		b.Fatal(err)
	}
	add := func() {
		if err := be.AddGroupMembers(ctx, "bench:group", keys); err != nil {
			b.Fatal(err)
		}
	}
	remove := func() {
		if err := be.RemoveGroupMembers(ctx, "bench:group", keys); err != nil {
			b.Fatal(err)
		}
	}
	b.Run(fmt.Sprintf("AddGroupMembers%d", len(keys)), func(b *testing.B) {
		for b.Loop() {
			add()
			b.StopTimer()
			remove()
			b.StartTimer()
		}
	})
	b.Run(fmt.Sprintf("RemoveGroupMembers%d", len(keys)), func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			add()
			b.StartTimer()
			remove()
		}
	})
	if got, err := be.GroupMembers(ctx, "bench:group"); err != nil || len(got) != 0 {
		b.Fatalf("after the benchmark the group has %d members (%v), want 0", len(got), err)
	}
}

func BenchmarkSQLite(b *testing.B) {
	benchUpsertObserve(b, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: "file:" + filepath.Join(b.TempDir(), "bench.db")})
}

func BenchmarkSQLiteGroups(b *testing.B) {
	benchGroupMembers(b, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: "file:" + filepath.Join(b.TempDir(), "bench.db")})
}

func BenchmarkPostgresGroups(b *testing.B) {
	dsn := os.Getenv(PostgresDSNEnv)
	if dsn == "" {
		b.Skip("SKIPPED: " + PostgresDSNEnv + " is not set")
	}
	benchGroupMembers(b, sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: freshSchema(b, dsn)})
}

func BenchmarkPostgres(b *testing.B) {
	dsn := os.Getenv(PostgresDSNEnv)
	if dsn == "" {
		b.Skip("SKIPPED: " + PostgresDSNEnv + " is not set")
	}
	benchUpsertObserve(b, sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: freshSchema(b, dsn)})
}
