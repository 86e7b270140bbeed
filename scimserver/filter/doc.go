// Package filter parses and evaluates SCIM 2.0 filters (RFC 7644 §3.4.2.2)
// against User resources in the map form of package schema.
//
// Parse accepts the full grammar: the operators eq ne co sw ew pr gt ge lt le,
// the logical operators and, or, not, grouping with parentheses, value paths
// (emails[type eq "work" and primary eq true]), sub-attributes, URN-qualified
// attribute paths, string literals with JSON escapes, true, false, null and
// numbers. Operators and attribute names are case-insensitive. It also accepts
// what identity providers send beyond the RFC:
//
//   - a value path followed by a sub-attribute and a comparison, as Entra ID
//     sends for e-mail uniqueness: emails[type eq "work"].value eq "x" matches
//     when one element satisfies both the bracketed filter and the comparison;
//   - string booleans: primary eq "True" compares equal to the boolean true;
//   - a comparison on a complex attribute compares its "value" sub-attribute,
//     so Entra ID's manager eq "<id>" means manager.value eq "<id>";
//   - not followed by an expression without parentheses;
//   - unquoted values where the attribute's type leaves no doubt: a string
//     for a string or reference attribute (userName sw O), an RFC 3339 time
//     for a dateTime one (meta.created gt 2015-10-10T14:38:21Z); a keyword
//     of the grammar (and, or, not, an operator) is never a value.
//
// ParseIn, ParseAttrPathIn, ParseSelectionIn and ParsePatchPathIn resolve
// against a workspace's schema.Set, so its declared extension attributes can
// be filtered, selected and patched.
//
// Everything Parse cannot evaluate (an unknown attribute, an operator that
// does not apply to the attribute's type, bad syntax) is an *Error at parse
// time, never a filter that silently matches everything.
//
// Matching follows RFC 7643 and RFC 7644: string comparisons honour the
// attribute's caseExact characteristic; a multi-valued attribute matches when
// any of its values matches; pr means present and not empty; gt, ge, lt and
// le compare strings lexicographically and dateTime attributes
// (meta.lastModified, meta.created) as instants; booleans support only eq and
// ne; "attr eq null" matches when the attribute has no value and
// "attr ne null" when it has one.
//
// IndexableEquality lets a server answer a filter from an index instead of a
// scan. AttrPath, Compare and AttrPath.CompareResources support sortBy and
// sortOrder; ParseSelection and Selection.Apply support attributes and
// excludedAttributes. ParsePatchPath parses the path of a PATCH operation.
package filter
