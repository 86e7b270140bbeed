// Package backendtest is the conformance suite every member backend driver
// passes. Members: create, update, deactivate, reactivate, delete,
// idempotent repeats, concurrent upserts of one key, unknown members,
// unicode and long values. Groups: create, rename, memberships added and
// removed in batches, idempotent repeats, unknown member keys skipped,
// memberships ended by a member's deletion (not its deactivation) and by
// the group's, unknown groups, independent groups, unicode names, sorted
// member keys, the batch limit and concurrent additions.
package backendtest
