package sqlbackend

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// A foreign key violation is told from other constraint failures: it is
// the one AddGroupMembers looks into (unknown group, or a member deleted
// meanwhile).
func TestForeignKeyViolationIsRecognised(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, Options{Driver: DriverSQLite, DSN: "file:" + filepath.Join(t.TempDir(), "m.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	_, fkErr := b.db.ExecContext(ctx, `INSERT INTO memberships (group_key, member_key) VALUES ('no group', 'no member')`)
	if fkErr == nil || !isForeignKeyViolation(fkErr) {
		t.Fatalf("a membership of nothing: error %v, want a foreign key violation", fkErr)
	}
	_, nullErr := b.db.ExecContext(ctx, `INSERT INTO groups (group_key, display_name) VALUES ('g', NULL)`)
	if nullErr == nil || isForeignKeyViolation(nullErr) {
		t.Fatalf("a NULL display name: error %v, want a constraint failure that is no foreign key violation", nullErr)
	}
}

func TestPostgresForeignKeyViolationIsRecognised(t *testing.T) {
	dsn := os.Getenv("ROLLCALL_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SKIPPED: ROLLCALL_TEST_POSTGRES_DSN is not set")
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	conn, err := db.Conn(ctx) // temporary tables live in one session
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	for _, stmt := range []string{
		`CREATE TEMP TABLE fk_parent (k TEXT PRIMARY KEY)`,
		`CREATE TEMP TABLE fk_child (k TEXT NOT NULL REFERENCES fk_parent (k))`,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	_, fkErr := conn.ExecContext(ctx, `INSERT INTO fk_child VALUES ('none')`)
	if fkErr == nil || !isForeignKeyViolation(fkErr) {
		t.Fatalf("a child of nothing: error %v, want a foreign key violation", fkErr)
	}
	_, nullErr := conn.ExecContext(ctx, `INSERT INTO fk_child VALUES (NULL)`)
	if nullErr == nil || isForeignKeyViolation(nullErr) {
		t.Fatalf("a NULL key: error %v, want a constraint failure that is no foreign key violation", nullErr)
	}
}
