package sqlbackend

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// dialect holds what differs between PostgreSQL and SQLite.
type dialect struct {
	// name is the driver name in the Workspace spec and the migrations folder.
	name string
	// sqlDriver is the database/sql driver name.
	sqlDriver string
	// beginExclusive starts a transaction that keeps other writers out.
	beginExclusive string
	// lockMigrations, run inside the transaction, serialises migrations.
	lockMigrations string
	// questionMarks says placeholders are ?N rather than $N.
	questionMarks bool
}

var (
	postgresDialect = dialect{
		name:           "postgres",
		sqlDriver:      "pgx",
		beginExclusive: "BEGIN",
		lockMigrations: "SELECT pg_advisory_xact_lock(7263541)",
	}
	sqliteDialect = dialect{
		name:           "sqlite",
		sqlDriver:      "sqlite",
		beginExclusive: "BEGIN IMMEDIATE",
		questionMarks:  true,
	}
)

// rebind turns $N placeholders into the dialect's.
func (d dialect) rebind(query string) string {
	if !d.questionMarks {
		return query
	}
	return strings.ReplaceAll(query, "$", "?")
}

func (d dialect) nowText() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// now is the timestamp to store: a time for PostgreSQL, RFC 3339 text for SQLite.
func (d dialect) now() any {
	if d.questionMarks {
		return d.nowText()
	}
	return time.Now().UTC()
}

// castUpsert casts the profile and extensions parameters to jsonb for PostgreSQL.
func (d dialect) castUpsert(query string) string {
	if d.questionMarks {
		return query
	}
	return strings.Replace(strings.Replace(query, "$9,", "$9::jsonb,", 1), "$11)", "$11::jsonb)", 1)
}

// inKeys is a condition that column is one of the keys passed as parameter
// $n (see keysArg): one statement for a whole batch. PostgreSQL takes a
// text array; SQLite a JSON array, read by json_each.
func (d dialect) inKeys(column string, n int) string {
	if d.questionMarks {
		return fmt.Sprintf("%s IN (SELECT value FROM json_each($%d))", column, n)
	}
	// A semi-join with the unnested array, not "= ANY(array)": that one is
	// a filter comparing every scanned row with every key.
	return fmt.Sprintf("%s IN (SELECT unnest($%d::text[]))", column, n)
}

// keysArg is the parameter that inKeys reads.
func (d dialect) keysArg(keys []string) (any, error) {
	if !d.questionMarks {
		return keys, nil
	}
	data, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	return string(data), nil
}
