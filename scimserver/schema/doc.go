// Package schema describes the SCIM 2.0 User resource that Rollcall serves:
// the core User schema (RFC 7643 §4.1) and the enterprise extension
// (RFC 7643 §4.3), limited to the attributes Rollcall stores in a
// WorkspaceUser, plus the common attributes id, externalId and meta.
//
// The attributes password and groups of the core User schema are not stored:
// a password is never kept by a provisioning target, and group membership is
// not part of a WorkspaceUser. Ignored reports them so that callers can drop
// them without failing a request. Attributes of other schemas are unknown.
//
// Resolve and ResolvePath turn an attribute path as a client writes it
// ("USERNAME", "name.givenName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
// into its canonical form, matching names case-insensitively and schema URNs
// by their known ids (a URN contains '.' and ':', so it cannot be split on
// them). Schemas renders the RFC 7643 §7 representation served at /Schemas.
//
// Resources are handled as map[string]any in the JSON shape the server
// renders: core attributes at the top level with canonical casing, the
// enterprise extension nested under URNEnterpriseUser.
package schema
