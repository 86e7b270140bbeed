package filter

import "fmt"

// Error is a filter or attribute path that cannot be parsed or evaluated.
// It is a cause, not an answer: the code that knows where the input came
// from makes it a 400 *scimerr.Error, scimType scimerr.InvalidFilter for a
// filter, scimerr.InvalidPath for a PATCH path and scimerr.InvalidValue for
// attributes, excludedAttributes or sortBy.
type Error struct {
	// Input is the filter or path as the client sent it.
	Input string
	// Pos is the byte offset in Input where the problem was found.
	Pos int
	// Detail says what is wrong and how to fix it, for a person.
	Detail string
	// Cause is the *schema.PathError behind an unresolvable attribute, or nil.
	Cause error
}

// Unwrap returns the cause, so errors.As finds a *schema.PathError (whose
// Unknown says the attribute is in no schema of the workspace).
func (e *Error) Unwrap() error { return e.Cause }

func (e *Error) Error() string {
	return fmt.Sprintf("invalid filter %q at position %d: %s", e.Input, e.Pos, e.Detail)
}
