package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

func TestPrintsTheMembersTable(t *testing.T) {
	dsn := "file:" + filepath.Join(t.TempDir(), "members.db")
	b, err := sqlbackend.Open(context.Background(), sqlbackend.Options{Driver: sqlbackend.DriverSQLite, DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
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
	if err := run(&out, "sqlite", dsn, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "ada@example.com") || !strings.Contains(lines[1], "true") ||
		!strings.Contains(lines[2], "bob@example.com") || !strings.Contains(lines[2], "false") || lines[3] != "2 member(s)" {
		t.Fatalf("unexpected output:\n%s", out.String())
	}
	if err := run(&out, "sqlite", "file:"+filepath.Join(t.TempDir(), "missing.db"), false); err == nil {
		t.Fatal("a missing store must be an error, not an empty table")
	}
}
