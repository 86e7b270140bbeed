package sqlbackend_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/backendtest"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

// PostgresDSNEnv names the variable holding a PostgreSQL DSN for the tests.
const PostgresDSNEnv = "ROLLCALL_TEST_POSTGRES_DSN"

func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(PostgresDSNEnv)
	if dsn == "" {
		t.Skip("SKIPPED: the PostgreSQL driver was NOT tested, because " + PostgresDSNEnv + " is not set. " +
			"To run it, start PostgreSQL and export " + PostgresDSNEnv +
			"=postgres://USER:PASSWORD@127.0.0.1:5432/DATABASE?sslmode=disable (CI does; see .ci/run).")
	}
	return freshSchema(t, dsn)
}

// freshSchema creates an empty schema for one test, so the migrations run
// from scratch, and returns the DSN that uses it.
func freshSchema(t testing.TB, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("rollcall_test_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer func() { _ = db.Close() }()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Fatalf("%s must be a URL (postgres://...), got an unparsable value", PostgresDSNEnv)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// allVersions are the migrations, in order, that Open applies.
var allVersions = []string{"0001_members", "0002_groups", "0003_member_extensions"}

func openBackend(t *testing.T, opts sqlbackend.Options) *sqlbackend.Backend {
	t.Helper()
	b, err := sqlbackend.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open %s backend: %v", opts.Driver, err)
	}
	return b
}

func TestSQLiteConformance(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "members.db")
	backendtest.Run(t, func(t *testing.T) backend.Backend {
		return openBackend(t, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: dsn, MaxConnections: 4})
	})
}

func TestPostgresConformance(t *testing.T) {
	dsn := postgresDSN(t)
	backendtest.Run(t, func(t *testing.T) backend.Backend {
		return openBackend(t, sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: dsn, MaxConnections: 4})
	})
}

// Several operators opening one database at once apply each migration once.
func testConcurrentOpen(t *testing.T, opts sqlbackend.Options, versions func(*testing.T) []string) {
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			b, err := sqlbackend.Open(context.Background(), opts)
			if err != nil {
				errs <- err
				return
			}
			errs <- b.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	if got := versions(t); !slices.Equal(got, allVersions) {
		t.Fatalf("schema_migrations = %v, want exactly %v", got, allVersions)
	}
}

func readVersions(t *testing.T, driver, dsn string) []string {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestSQLiteMigratesOnceUnderConcurrentOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "members.db")
	testConcurrentOpen(t, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: "file:" + path},
		func(t *testing.T) []string { return readVersions(t, "sqlite", path) })
}

func TestPostgresMigratesOnceUnderConcurrentOpens(t *testing.T) {
	dsn := postgresDSN(t)
	testConcurrentOpen(t, sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: dsn},
		func(t *testing.T) []string { return readVersions(t, "pgx", dsn) })
}

func TestPoolIsBounded(t *testing.T) {
	b := openBackend(t, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: "file:" + filepath.Join(t.TempDir(), "m.db"), MaxConnections: 2})
	defer func() { _ = b.Close() }()
	if got := b.Stats().MaxOpenConnections; got != 2 {
		t.Fatalf("MaxOpenConnections = %d, want 2", got)
	}
}

func TestOpenErrorsAreClassified(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		opts sqlbackend.Options
		want backend.ErrorKind
	}{
		{"unknown driver", sqlbackend.Options{Driver: "oracle", DSN: "x"}, backend.KindInvalidConfig},
		{"malformed postgres DSN", sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: "postgres://a b@:x:y/"}, backend.KindInvalidConfig},
		{"sqlite file in a missing folder", sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: "file:" + filepath.Join(t.TempDir(), "no", "such", "dir", "m.db")}, backend.KindInvalidConfig},
		{"postgres nobody listens on", sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: "postgres://u:p@127.0.0.1:1/db?sslmode=disable&connect_timeout=2"}, backend.KindUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sqlbackend.Open(ctx, c.opts)
			if err == nil {
				t.Fatal("open succeeded, want an error")
			}
			if got := backend.KindOf(err); got != c.want {
				t.Fatalf("kind = %s, want %s (error: %v)", got, c.want, err)
			}
		})
	}
}

func TestPostgresWrongPasswordIsInvalidCredentials(t *testing.T) {
	dsn := postgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), "certainly-not-the-password")
	_, err = sqlbackend.Open(context.Background(), sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: u.String()})
	if got := backend.KindOf(err); got != backend.KindInvalidCredentials {
		t.Fatalf("kind = %s, want InvalidCredentials (error: %v)", got, err)
	}
}

func TestSQLiteDSNForms(t *testing.T) {
	for _, form := range []string{"%s", "file:%s", "file:%s?_pragma=busy_timeout(1000)"} {
		t.Run(form, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "members.db")
			b := openBackend(t, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: fmt.Sprintf(form, path)})
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if got := readVersions(t, "sqlite", path); !slices.Equal(got, allVersions) {
				t.Fatalf("the store is not at %s (migrations there: %v)", path, got)
			}
		})
	}
}
