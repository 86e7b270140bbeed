// Package patch applies SCIM 2.0 PATCH operations (RFC 7644 §3.5.2) to a
// User resource in the map form of package schema, and normalises POST and
// PUT bodies the same way.
//
// It accepts the dialect identity providers really send (see
// docs/design/0100-scim-dialect.md): capitalised ops, string booleans,
// path-less values with dotted or URN-qualified keys, the enterprise manager
// as a bare string, value-filtered paths that create the element they do not
// find, member-style removal with a value list, "" and null as clear, and
// Entra ID's roles encoded as JSON strings. Apply never mutates its input and
// returns the resource without empty values; repeated values of a
// multi-valued attribute are kept once.
//
// ApplyIn and NormalizeResourceIn work against a workspace's Schemas: its
// declared extensions are patched like the enterprise extension, and an
// attribute no schema has is dropped and named in the Result (Ignore) or
// refused (Reject).
//
// Every failure is a *scimerr.Error carrying the HTTP status and SCIM
// scimType to answer with.
package patch
