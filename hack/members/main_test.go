package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

func openSQLite(t *testing.T) (*sqlbackend.Backend, string) {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "members.db")
	b, err := sqlbackend.Open(context.Background(), sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	return b, dsn
}

func TestPrintsTheMembersTable(t *testing.T) {
	b, dsn := openSQLite(t)
	for _, m := range []backend.Member{
		{Key: "ns:acme:1", UserName: "ada@example.com", DisplayName: "Ada", Email: "ada@example.com", Active: true},
		{Key: "ns:acme:2", UserName: "bob@example.com", DisplayName: "Bob", Email: "bob@example.com"},
	} {
		if err := b.Upsert(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	_ = b.Close()
	var out bytes.Buffer
	if err := run(&out, config{driver: "sqlite", dsn: dsn}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "ada@example.com") || !strings.Contains(lines[1], "true") ||
		!strings.Contains(lines[2], "bob@example.com") || !strings.Contains(lines[2], "false") || lines[3] != "2 member(s)" {
		t.Fatalf("unexpected output:\n%s", out.String())
	}
	if err := run(&out, config{driver: "sqlite", dsn: "file:" + filepath.Join(t.TempDir(), "missing.db")}); err == nil {
		t.Fatal("a missing store must be an error, not an empty table")
	}
}

// seedGroups stores members and three groups: analysts (Bob, Ada, and Dee
// until Dee is deleted), Empty, and Zeta (Cy, deactivated, stays).
func seedGroups(t *testing.T, b backend.Backend) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []backend.Member{
		{Key: "ns:acme:1", UserName: "bob@example.com", Active: true},
		{Key: "ns:acme:2", UserName: "Ada@example.com", Active: true},
		{Key: "ns:acme:3", UserName: "cy@example.com", Active: true},
		{Key: "ns:acme:4", UserName: "dee@example.com", Active: true},
	} {
		must(b.Upsert(ctx, m))
	}
	must(b.UpsertGroup(ctx, backend.Group{Key: "ns:acme:g1", DisplayName: "Zeta"}))
	must(b.UpsertGroup(ctx, backend.Group{Key: "ns:acme:g2", DisplayName: "analysts"}))
	must(b.UpsertGroup(ctx, backend.Group{Key: "ns:acme:g3", DisplayName: "Empty"}))
	must(b.AddGroupMembers(ctx, "ns:acme:g2", []string{"ns:acme:1", "ns:acme:2", "ns:acme:4"}))
	must(b.AddGroupMembers(ctx, "ns:acme:g1", []string{"ns:acme:3"}))
	must(b.Delete(ctx, "ns:acme:4"))
	must(b.Deactivate(ctx, "ns:acme:3"))
}

func expectGroupsOutput(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	fields := func(i int) []string { return strings.Fields(lines[i]) }
	if len(lines) != 5 ||
		strings.Join(fields(0), " ") != "GROUP KEY DISPLAY NAME MEMBERS USERNAMES" ||
		strings.Join(fields(1), " ") != "ns:acme:g2 analysts 2 Ada@example.com, bob@example.com" ||
		strings.Join(fields(2), " ") != "ns:acme:g3 Empty 0" ||
		strings.Join(fields(3), " ") != "ns:acme:g1 Zeta 1 cy@example.com" ||
		lines[4] != "3 group(s)" {
		t.Fatalf("unexpected output:\n%s", out)
	}
}

func TestPrintsTheGroups(t *testing.T) {
	b, dsn := openSQLite(t)
	seedGroups(t, b)
	_ = b.Close()
	var out bytes.Buffer
	if err := run(&out, config{driver: "sqlite", dsn: dsn, groups: true}); err != nil {
		t.Fatal(err)
	}
	expectGroupsOutput(t, out.String())
}

func TestPrintsThePostgresGroups(t *testing.T) {
	base := os.Getenv("ROLLCALL_TEST_POSTGRES_DSN")
	if base == "" {
		t.Skip("SKIPPED: ROLLCALL_TEST_POSTGRES_DSN is not set, so -driver postgres was NOT tested")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	schema := fmt.Sprintf("rollcall_members_test_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	b, err := sqlbackend.Open(context.Background(), sqlbackend.Options{Driver: sqlbackend.DriverPostgres, DSN: u.String()})
	if err != nil {
		t.Fatal(err)
	}
	seedGroups(t, b)
	_ = b.Close()
	var out bytes.Buffer
	if err := run(&out, config{driver: "postgres", dsn: u.String(), groups: true}); err != nil {
		t.Fatal(err)
	}
	expectGroupsOutput(t, out.String())
}
