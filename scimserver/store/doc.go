// Package store is the SCIM server's store of WorkspaceUsers: reads from the
// manager's informer cache through indexes, overlaid with this replica's own
// recent writes, writes to the API server, and userName claims that keep
// userNames unique per workspace across replicas.
//
// Its invariants:
//
//   - Every index key starts with the workspace ("<namespace>/<workspace>/"),
//     so no lookup crosses workspaces. Users lists the indexed attributes
//     (filter.IndexID, IndexUserName, IndexExternalID, IndexEmail); a lookup
//     reads one index bucket, whatever the number of users.
//   - userName and emails.value are case-insensitive in the User schema (not
//     caseExact): emails.value keys are lower-cased, userName keys are
//     username.Key (PRECIS UsernameCaseMapped), on both the stored and the
//     looked-up side. SameUserName and the claims compare userNames with the
//     same key.
//   - A user being deleted (deletionTimestamp set, its member finalizer still
//     pending) is in no index: for SCIM it is gone on every replica, and its
//     userName is free again.
//   - Read-your-writes: a write made through Users is remembered until the
//     informer reports that version (or a newer one), or for two minutes,
//     and merged over every read. A read takes the recent writes before it
//     reads the cache: an entry goes once the cache has its version, so
//     entries taken after the read could miss a write the read did not see.
//   - A change of a user's spec (PatchSpec) is a JSON patch that tests the
//     UID and metadata.generation read: it loses only to another write of
//     the spec, never to a status, finalizer or label write. A failed test
//     and a refused spec are both 422; a fresh read tells them apart
//     (ErrChanged, or the API server's error).
//   - List answers from a sorted snapshot per workspace, rebuilt on the
//     first list after any change in the workspace. One informer event
//     handler both invalidates the snapshot and drops the recent writes the
//     event catches up with, in that order, so that a snapshot is always
//     invalidated before the recent write it lacks is dropped.
//   - A userName claim is a Lease named after the workspace and the
//     userName's key; creating an object is atomic in the API server,
//     so of two replicas claiming one userName at once exactly one wins. A
//     claim whose holder does not exist or does not have the userName is
//     respected for a grace period (30s: a POST or rename in flight on
//     another replica), then taken over; a holder being deleted makes its
//     claim stale at once.
//
// The design is in docs/design/0200-scim-server.md and
// docs/design/0201-scim-writes-and-versions.md.
package store
