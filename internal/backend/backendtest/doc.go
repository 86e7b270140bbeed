// Package backendtest is the conformance suite every member backend driver
// passes: create, update, deactivate, reactivate, delete, idempotent
// repeats, concurrent upserts of one key, unknown members, unicode and long
// values.
package backendtest
