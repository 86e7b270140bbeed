package patch

import "fmt"

// statusBadRequest is HTTP 400, the status of every error of this package.
const statusBadRequest = 400

// SCIM error types (RFC 7644 §3.12) that Apply returns.
const (
	ScimTypeInvalidPath   = "invalidPath"
	ScimTypeNoTarget      = "noTarget"
	ScimTypeInvalidValue  = "invalidValue"
	ScimTypeMutability    = "mutability"
	ScimTypeInvalidSyntax = "invalidSyntax"
)

// Error is a PATCH (or body) the server must refuse, with what to answer.
type Error struct {
	// Status is the HTTP status, 400 for every error of this package.
	Status int
	// ScimType is the SCIM error type, one of the ScimType constants.
	ScimType string
	// Detail says what is wrong and how to fix it, for a person.
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.ScimType, e.Detail)
}

func errorf(scimType, format string, args ...any) *Error {
	return &Error{Status: statusBadRequest, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}
