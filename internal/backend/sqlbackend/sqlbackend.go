package sqlbackend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Driver names, as in the Workspace spec.
const (
	DriverPostgres = "postgres"
	DriverSQLite   = "sqlite"
)

// Options configure a SQL backend.
type Options struct {
	// Driver is DriverPostgres or DriverSQLite.
	Driver string
	// DSN is the data source name: a PostgreSQL URL or keyword string, or a
	// SQLite file ("file:/data/members.db" or a path).
	DSN string
	// MaxConnections bounds the connection pool; zero means 4.
	MaxConnections int
	// ConnectTimeout bounds opening and migrating; zero means 30s.
	ConnectTimeout time.Duration
}

// Backend keeps members in the members table.
type Backend struct {
	db      *sql.DB
	dialect dialect
}

var _ backend.Backend = (*Backend)(nil)

// Open connects, checks the database answers and applies the migrations
// that have not been applied yet. Errors are classified (backend.KindOf).
func Open(ctx context.Context, opts Options) (*Backend, error) {
	db, d, err := openDB(opts)
	if err != nil {
		return nil, err
	}
	maxConns := opts.MaxConnections
	if maxConns <= 0 {
		maxConns = 4
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	timeout := opts.ConnectTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, classify(fmt.Errorf("connect to %s: %w", d.name, err))
	}
	if err := checkForeignKeys(ctx, db, d); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := migrate(ctx, db, d); err != nil {
		_ = db.Close()
		return nil, classify(fmt.Errorf("migrate %s schema: %w", d.name, err))
	}
	return &Backend{db: db, dialect: d}, nil
}

func openDB(opts Options) (*sql.DB, dialect, error) {
	switch opts.Driver {
	case DriverPostgres:
		cfg, err := pgx.ParseConfig(opts.DSN)
		if err != nil {
			// The parse error may quote the DSN and its password: do not repeat it.
			return nil, postgresDialect, backend.InvalidConfig(errors.New("parse PostgreSQL DSN: malformed data source name"))
		}
		return stdlib.OpenDB(*cfg), postgresDialect, nil
	case DriverSQLite:
		if strings.TrimSpace(opts.DSN) == "" {
			return nil, sqliteDialect, backend.InvalidConfig(errors.New("SQLite DSN is empty"))
		}
		db, err := sql.Open(sqliteDialect.sqlDriver, sqliteDSN(opts.DSN))
		if err != nil {
			return nil, sqliteDialect, backend.InvalidConfig(fmt.Errorf("open SQLite: %w", err))
		}
		return db, sqliteDialect, nil
	default:
		return nil, dialect{}, backend.InvalidConfig(fmt.Errorf("unknown SQL driver %q (want %q or %q)", opts.Driver, DriverPostgres, DriverSQLite))
	}
}

// sqliteBusyTimeout is how long a statement waits for another writer's lock
// before it fails as busy (transient). It is shorter than the operator's
// call deadline (5s), so a locked file answers "busy" before the caller
// gives up, and a caller never sits out a longer wait.
const sqliteBusyTimeout = 3 * time.Second

// sqliteDSN adds what several writers sharing one file need: a busy
// timeout (sqliteBusyTimeout), write-ahead logging and transactions that
// take the write lock at BEGIN. Settings already in the DSN win, except
// foreign keys: they are always turned on, last, because deleting a member
// or a group removes its memberships through them (SQLite turns them off
// on every new connection by default).
func sqliteDSN(dsn string) string {
	add := []string{"_pragma=foreign_keys(1)"}
	if !strings.Contains(dsn, "busy_timeout") {
		add = append(add, fmt.Sprintf("_pragma=busy_timeout(%d)", sqliteBusyTimeout.Milliseconds()))
	}
	if !strings.Contains(dsn, "journal_mode") {
		add = append(add, "_pragma=journal_mode(WAL)")
	}
	if !strings.Contains(dsn, "_txlock") {
		add = append(add, "_txlock=immediate")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(add, "&")
}

// checkForeignKeys makes sure a SQLite connection enforces foreign keys,
// on which the removal of memberships depends.
func checkForeignKeys(ctx context.Context, db *sql.DB, d dialect) error {
	if d.name != sqliteDialect.name {
		return nil
	}
	var on bool
	if err := db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil {
		return classify(fmt.Errorf("read SQLite foreign_keys: %w", err))
	}
	if !on {
		return backend.InvalidConfig(errors.New("SQLite does not enforce foreign keys on this connection: the DSN must not turn foreign_keys off"))
	}
	return nil
}

const selectMember = `SELECT member_key, user_name, external_id, display_name, given_name, family_name, email, active, profile, extensions
FROM members WHERE member_key = $1`

// Observe reads the member's row.
func (b *Backend) Observe(ctx context.Context, key string) (backend.Member, bool, error) {
	var m backend.Member
	var profile, extensions string
	err := b.db.QueryRowContext(ctx, b.dialect.rebind(selectMember), key).Scan(
		&m.Key, &m.UserName, &m.ExternalID, &m.DisplayName, &m.GivenName, &m.FamilyName, &m.Email, &m.Active, &profile, &extensions)
	if errors.Is(err, sql.ErrNoRows) {
		return backend.Member{}, false, nil
	}
	if err != nil {
		return backend.Member{}, false, classify(fmt.Errorf("read member %q: %w", key, err))
	}
	m.Profile = []byte(profile)
	m.Extensions = []byte(extensions)
	return m, true, nil
}

const upsertMember = `INSERT INTO members
    (member_key, user_name, external_id, display_name, given_name, family_name, email, active, profile, created_at, updated_at, extensions)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
ON CONFLICT (member_key) DO UPDATE SET
    user_name = excluded.user_name,
    external_id = excluded.external_id,
    display_name = excluded.display_name,
    given_name = excluded.given_name,
    family_name = excluded.family_name,
    email = excluded.email,
    active = excluded.active,
    profile = excluded.profile,
    extensions = excluded.extensions,
    updated_at = excluded.updated_at`

// Upsert writes the member's row in one statement.
func (b *Backend) Upsert(ctx context.Context, m backend.Member) error {
	_, err := b.db.ExecContext(ctx, b.dialect.rebind(b.dialect.castUpsert(upsertMember)),
		m.Key, m.UserName, m.ExternalID, m.DisplayName, m.GivenName, m.FamilyName, m.Email, m.Active,
		string(m.ProfileOrEmpty()), b.dialect.now(), string(m.ExtensionsOrEmpty()))
	if err != nil {
		return classify(fmt.Errorf("upsert member %q: %w", m.Key, err))
	}
	return nil
}

// Deactivate sets active to false on the member's row, if there is one.
func (b *Backend) Deactivate(ctx context.Context, key string) error {
	_, err := b.db.ExecContext(ctx, b.dialect.rebind(`UPDATE members SET active = $1, updated_at = $2 WHERE member_key = $3`),
		false, b.dialect.now(), key)
	if err != nil {
		return classify(fmt.Errorf("deactivate member %q: %w", key, err))
	}
	return nil
}

// Delete removes the member's row, if there is one; the foreign keys of
// the memberships table remove its memberships with it.
func (b *Backend) Delete(ctx context.Context, key string) error {
	_, err := b.db.ExecContext(ctx, b.dialect.rebind(`DELETE FROM members WHERE member_key = $1`), key)
	if err != nil {
		return classify(fmt.Errorf("delete member %q: %w", key, err))
	}
	return nil
}

// Close closes the connection pool.
func (b *Backend) Close() error { return b.db.Close() }

// Stats reports the connection pool's state.
func (b *Backend) Stats() sql.DBStats { return b.db.Stats() }
