package sqlbackend_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

// Once its migrations are applied, a role that may read and write members
// (and groups and memberships)
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
	ctx := context.Background()
	m := backend.Member{Key: "ns:acme:1", UserName: "ada@example.com", Active: true}
	if err := b.Upsert(ctx, m); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if err := b.UpsertGroup(ctx, backend.Group{Key: "ns:acme:g", DisplayName: "Analysts"}); err != nil {
		t.Fatalf("upsert group: %v", err)
	}
	if err := b.AddGroupMembers(ctx, "ns:acme:g", []string{m.Key}); err != nil {
		t.Fatalf("add group members: %v", err)
	}
	if err := b.Delete(ctx, m.Key); err != nil {
		t.Fatalf("delete member in a group: %v", err)
	}
	if err := b.DeleteGroup(ctx, "ns:acme:g"); err != nil {
		t.Fatalf("delete group: %v", err)
	}
}

// A store created before groups existed (at migration 0001, with members)
// gains the groups and memberships tables when opened, keeping its members,
// who can then join groups.
func testUpgradeFromMembersOnly(t *testing.T, driver, sqlDriver, dsn, rawDSN string) {
	db, err := sql.Open(sqlDriver, rawDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	script, err := os.ReadFile(filepath.Join("migrations", driver, "0001_members.sql"))
	if err != nil {
		t.Fatal(err)
	}
	for stmt := range strings.SplitSeq(string(script), ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("apply 0001 by hand: %v", err)
		}
	}
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES ('0001_members', '2026-01-01T00:00:00Z')`,
		`INSERT INTO members (member_key, user_name, active) VALUES ('ns:acme:old', 'old@example.com', true)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	ctx := context.Background()
	b := openBackend(t, sqlbackend.Options{Driver: driver, DSN: dsn})
	defer func() { _ = b.Close() }()
	if got := readVersions(t, sqlDriver, rawDSN); !slices.Equal(got, allVersions) {
		t.Fatalf("schema_migrations after the upgrade = %v, want %v", got, allVersions)
	}
	if _, found, err := b.Observe(ctx, "ns:acme:old"); err != nil || !found {
		t.Fatalf("the member from before the upgrade: found %t, error %v", found, err)
	}
	if err := b.UpsertGroup(ctx, backend.Group{Key: "ns:acme:g", DisplayName: "Old hands"}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddGroupMembers(ctx, "ns:acme:g", []string{"ns:acme:old"}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.GroupMembers(ctx, "ns:acme:g"); err != nil || !slices.Equal(got, []string{"ns:acme:old"}) {
		t.Fatalf("members after the upgrade = %v, %v; want [ns:acme:old]", got, err)
	}
}

func TestSQLiteUpgradesFromMembersOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "members.db")
	testUpgradeFromMembersOnly(t, sqlbackend.DriverSQLite, "sqlite", "file:"+path, path)
}

func TestPostgresUpgradesFromMembersOnly(t *testing.T) {
	dsn := postgresDSN(t)
	testUpgradeFromMembersOnly(t, sqlbackend.DriverPostgres, "pgx", dsn, dsn)
}

// Memberships go with their member even when the DSN asks SQLite not to
// enforce foreign keys, on which that removal depends.
func TestSQLiteForeignKeysCannotBeTurnedOff(t *testing.T) {
	path := filepath.Join(t.TempDir(), "members.db")
	ctx := context.Background()
	b := openBackend(t, sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: "file:" + path + "?_pragma=foreign_keys(0)"})
	defer func() { _ = b.Close() }()
	if err := b.Upsert(ctx, backend.Member{Key: "m", UserName: "ada@example.com", Active: true}); err != nil {
		t.Fatal(err)
	}
	if err := b.UpsertGroup(ctx, backend.Group{Key: "g", DisplayName: "G"}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddGroupMembers(ctx, "g", []string{"m"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "m"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM memberships`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Fatalf("%d membership row(s) left after the member was deleted, want 0", rows)
	}
}
