package filter

import "fmt"

// Error is a filter or attribute path that cannot be parsed or evaluated.
// A SCIM server answers it with 400 and scimType invalidFilter (or
// invalidPath for a PATCH path).
type Error struct {
	// Input is the filter or path as the client sent it.
	Input string
	// Pos is the byte offset in Input where the problem was found.
	Pos int
	// Detail says what is wrong and how to fix it, for a person.
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid filter %q at position %d: %s", e.Input, e.Pos, e.Detail)
}
