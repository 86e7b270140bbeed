package patch

import "github.com/rollcall-dev/rollcall/scimserver/scimerr"

// errorf is a 400 refusal of a PATCH or body; scimType is one of the
// scimerr constants.
func errorf(scimType, format string, args ...any) *scimerr.Error {
	return scimerr.BadRequest(scimType, format, args...)
}
