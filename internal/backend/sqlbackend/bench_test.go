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

func BenchmarkSQLite(b *testing.B) {
	benchUpsertObserve(b, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: "file:" + filepath.Join(b.TempDir(), "bench.db")})
}

func BenchmarkPostgres(b *testing.B) {
	dsn := os.Getenv(PostgresDSNEnv)
	if dsn == "" {
		b.Skip("SKIPPED: " + PostgresDSNEnv + " is not set")
	}
	benchUpsertObserve(b, sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: freshSchema(b, dsn)})
}
