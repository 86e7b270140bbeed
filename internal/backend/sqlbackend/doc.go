// Package sqlbackend keeps members, groups and memberships in SQL tables:
// PostgreSQL through pgx, or SQLite through a pure-Go driver (no cgo) for
// local runs and small installs. The driver owns its schema: the
// migrations embedded here are applied, once each and in order, when a
// backend is opened (docs/member-backends.md describes the members,
// groups and memberships tables).
package sqlbackend
