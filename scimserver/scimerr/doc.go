// Package scimerr is the SCIM server's one error vocabulary: the scimType
// values of RFC 7644 §3.12, each defined once, and Error, a refusal with
// the HTTP status, scimType and detail to answer it with.
//
// Every package whose failures are answers returns an *Error (patch), or an
// error that errors.As finds an *Error in (resource.ValueError). Errors
// whose answer depends on where the input came from are causes, not
// answers: a *filter.Error (a filter is invalidFilter, a PATCH path
// invalidPath, an attribute list invalidValue) and a *schema.PathError are
// turned into an *Error by the code that knows the context. The server
// writes an *Error as a SCIM Error response with one function.
package scimerr
