package sqlbackend

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// classify tells a transient database failure from a permanent one.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var classified *backend.Error
	if errors.As(err, &classified) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return classifyPostgres(pgErr.Code, err)
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return classifySQLite(liteErr.Code(), err)
	}
	return backend.Unavailable(err)
}

// classifyPostgres sorts by SQLSTATE class (PostgreSQL manual, appendix A).
func classifyPostgres(code string, err error) error {
	switch {
	case strings.HasPrefix(code, "28"): // invalid authorization specification
		return backend.InvalidCredentials(err)
	case code == "3D000", code == "3F000", strings.HasPrefix(code, "42"): // no such database or schema; privileges, undefined objects
		if code == "42501" {
			return backend.InvalidCredentials(err)
		}
		return backend.InvalidConfig(err)
	case strings.HasPrefix(code, "22"), strings.HasPrefix(code, "23"): // data exception, integrity violation
		return backend.Rejected(err)
	default: // connection, resources, operator intervention, serialization
		return backend.Unavailable(err)
	}
}

// classifySQLite sorts by primary result code (sqlite.org/rescode.html).
func classifySQLite(code int, err error) error {
	switch code & 0xff {
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return backend.InvalidConfig(err)
	case sqlite3.SQLITE_AUTH:
		return backend.InvalidCredentials(err)
	case sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_RANGE:
		return backend.Rejected(err)
	default: // busy, locked, I/O, full disk
		return backend.Unavailable(err)
	}
}

// isForeignKeyViolation reports whether err is a foreign key violation
// (SQLSTATE 23503; SQLITE_CONSTRAINT_FOREIGNKEY).
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
