// Package scimserver is Rollcall's SCIM 2.0 service provider (RFC 7643,
// RFC 7644) for Users and Groups. Every Workspace has its own Tenant URL
// (api/v1alpha1.TenantPath) opened by the workspace's bearer token; each
// SCIM User is a WorkspaceUser resource, each SCIM Group a WorkspaceGroup
// whose members are in WorkspaceGroupMembership shards
// (internal/groupmembers; docs/design/0600-groups-and-memberships.md).
//
// Reads come from the manager's informer cache through indexes (userName,
// externalId, e-mail, id, workspace), overlaid with this replica's own recent
// writes so that a GET right after a POST or PATCH sees it. userName is
// unique per workspace, case-insensitively and with look-alikes taken as
// one (username.Key), across replicas: a POST first creates a claim Lease
// whose name is derived from the workspace and the userName's key, and the
// API server lets only one such create win.
//
// PUT and PATCH write the spec with a JSON patch that tests the user's uid
// and metadata.generation, so the user controller's status writes never
// conflict with them; meta.version and the ETag are W/"<generation>", so
// those writes do not make a client's version stale either.
//
// The user store (indexes, the recent-writes overlay, sorted snapshots and
// userName claims) is package scimserver/store; every refusal is a
// *scimerr.Error (package scimserver/scimerr), written by one function.
//
// The design decisions (ids, claims, lastModified, domain policy, limits) are
// in docs/design/0200-scim-server.md; writes and versions in
// docs/design/0201-scim-writes-and-versions.md.
package scimserver
