// Package sqlbackend keeps members in a SQL table: PostgreSQL through pgx,
// or SQLite through a pure-Go driver (no cgo) for local runs and small
// installs. The driver owns its schema: the migrations embedded here are
// applied, once each and in order, when a backend is opened
// (docs/member-backends.md describes the members table).
package sqlbackend
