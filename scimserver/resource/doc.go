// Package resource maps a WorkspaceUser to and from the canonical SCIM User
// resource: a map[string]any in SCIM JSON shape, with the core attributes at
// the top level in their canonical casing, the enterprise extension nested
// under its URN, the manager as {"value","$ref","displayName"} and meta with
// RFC 3339 strings. Filters, PATCH and the HTTP layer all work on that form.
//
// ToSpec reads only the canonical form. What identity providers send (string
// booleans, nulls, a manager given as a bare string, attribute names in any
// case, password and groups) is made canonical first by
// scimserver/patch: NormalizeResource for POST and PUT bodies, Apply for
// PATCH.
package resource
