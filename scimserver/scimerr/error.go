package scimerr

import (
	"fmt"
	"net/http"
	"time"
)

// SCIM error types (RFC 7644 §3.12), the scimType of an Error.
const (
	InvalidFilter = "invalidFilter"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	InvalidVers   = "invalidVers"
	Mutability    = "mutability"
	Uniqueness    = "uniqueness"
)

// Error is a request the server refuses, with what to answer.
type Error struct {
	// Status is the HTTP status.
	Status int
	// ScimType is the SCIM error type, one of the constants of this
	// package, or "" when the status says it all (401, 404, 503, ...).
	ScimType string
	// Detail says what is wrong and how to fix it, for a person.
	Detail string
	// RetryAfter, when positive, is sent as the Retry-After header.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.ScimType, e.Detail)
}

// New is an Error with a formatted detail.
func New(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400 Error with a formatted detail.
func BadRequest(scimType, format string, args ...any) *Error {
	return New(http.StatusBadRequest, scimType, format, args...)
}
