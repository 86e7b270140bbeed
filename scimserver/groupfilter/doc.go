// Package groupfilter parses and evaluates SCIM filters (RFC 7644 §3.4.2.2)
// over Groups: id, externalId and displayName with eq, ne, co, sw, ew and
// pr; members with eq, pr and the value filter members[value eq "…"]
// (members.value is members); and, or, not and parentheses. These are the
// shapes identity providers send: Entra ID's displayName lookup and its
// membership check `id eq "<group>" and members eq "<user>"`, Okta's
// displayName lookup, and the RFC's members[value eq "…"]. Values may be
// quoted JSON strings or, tolerated, bare words.
package groupfilter
