// Package resource maps a WorkspaceUser to and from the canonical SCIM User
// resource: a map[string]any in SCIM JSON shape, with the core attributes at
// the top level in their canonical casing, the enterprise extension nested
// under its URN, the manager as {"value","$ref","displayName"} and meta with
// RFC 3339 strings. Filters, PATCH and the HTTP layer all work on that form.
//
// ToSpec is lenient in the way identity providers need: string booleans,
// nulls, a manager given as a bare string, the misspelt enterprise URN of
// Entra's older examples, client-supplied meta and empty lists are accepted;
// attributes the WorkspaceUser does not keep (password, groups, photos, ims,
// entitlements, x509Certificates) are ignored.
package resource
