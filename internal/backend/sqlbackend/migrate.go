package sqlbackend

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// migrationFiles lists a dialect's migrations in the order they apply; the
// file name (up to .sql) is the version recorded in schema_migrations.
func migrationFiles(d dialect) ([]string, error) {
	dir := path.Join("migrations", d.name)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("list migrations of %s: %w", d.name, err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files = append(files, path.Join(dir, e.Name()))
		}
	}
	slices.Sort(files)
	return files, nil
}

// migrate applies every migration not yet recorded in schema_migrations,
// in one transaction holding a lock, so that several operators opening one
// database at once apply each migration exactly once.
func migrate(ctx context.Context, db *sql.DB, d dialect) (err error) {
	files, err := migrationFiles(d)
	if err != nil {
		return err
	}
	if allApplied(ctx, db, files) {
		// Nothing to do, and nothing to create: a role that may only read
		// and write members opens a database migrated before.
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect to migrate: %w", err)
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, d.beginExclusive); err != nil {
		return fmt.Errorf("begin migrations: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if d.lockMigrations != "" {
		if _, err := conn.ExecContext(ctx, d.lockMigrations); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, file := range files {
		if err := applyMigration(ctx, conn, d, file); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit migrations: %w", err)
	}
	return nil
}

// applyMigration runs one migration unless schema_migrations records it.
func applyMigration(ctx context.Context, conn *sql.Conn, d dialect, file string) error {
	version := strings.TrimSuffix(path.Base(file), ".sql")
	var applied int
	if err := conn.QueryRowContext(ctx, d.rebind(`SELECT count(*) FROM schema_migrations WHERE version = $1`), version).Scan(&applied); err != nil {
		return fmt.Errorf("check migration %s: %w", version, err)
	}
	if applied > 0 {
		return nil
	}
	script, err := migrations.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read migration %s: %w", version, err)
	}
	for _, stmt := range splitStatements(string(script)) {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("apply migration %s: %w", version, err)
		}
	}
	if _, err := conn.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`),
		version, d.nowText()); err != nil {
		return fmt.Errorf("record migration %s: %w", version, err)
	}
	return nil
}

// splitStatements splits a migration on semicolons that end a line. The
// migrations hold no semicolons inside literals.
func splitStatements(script string) []string {
	var out []string
	for stmt := range strings.SplitSeq(script, ";\n") {
		if s := strings.TrimSpace(stmt); s != "" {
			out = append(out, strings.TrimSuffix(s, ";"))
		}
	}
	return out
}

// allApplied reports whether schema_migrations records every migration in
// files. Any failure (no such table yet) reports false, and the locked
// path decides.
func allApplied(ctx context.Context, db *sql.DB, files []string) bool {
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return false
	}
	defer func() { _ = rows.Close() }()
	applied := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return false
		}
		applied[v] = true
	}
	if rows.Err() != nil {
		return false
	}
	for _, file := range files {
		if !applied[strings.TrimSuffix(path.Base(file), ".sql")] {
			return false
		}
	}
	return true
}
