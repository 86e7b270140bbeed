package sqlbackend_test

import (
	"context"
	"database/sql"
	"net/url"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

// Once its migrations are applied, a role that may read and write members
// but not create tables (PostgreSQL 15 and later give no one CREATE on the
// public schema by default) opens the backend and uses it.
func TestPostgresOpensMigratedSchemaWithoutCreatePrivilege(t *testing.T) {
	dsn := postgresDSN(t)
	b := openBackend(t, sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: dsn})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec(`REVOKE CREATE ON SCHEMA ` + schema + ` FROM CURRENT_USER`); err != nil {
		t.Fatalf("revoke CREATE: %v", err)
	}
	t.Cleanup(func() { _, _ = db.Exec(`GRANT CREATE ON SCHEMA ` + schema + ` TO CURRENT_USER`) })

	b, err = sqlbackend.Open(context.Background(), sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: dsn})
	if err != nil {
		t.Fatalf("open a migrated schema without CREATE: %v", err)
	}
	defer func() { _ = b.Close() }()
	m := backend.Member{Key: "ns:acme:1", UserName: "ada@example.com", Active: true}
	if err := b.Upsert(context.Background(), m); err != nil {
		t.Fatalf("upsert: %v", err)
	}
}
