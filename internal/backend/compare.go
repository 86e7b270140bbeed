package backend

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Equal reports whether two members hold the same values. Profiles and
// extensions are compared as JSON values, so key order and spacing do not matter.
func Equal(a, b Member) bool {
	return a.Key == b.Key && a.UserName == b.UserName && a.ExternalID == b.ExternalID &&
		a.DisplayName == b.DisplayName && a.GivenName == b.GivenName && a.FamilyName == b.FamilyName &&
		a.Email == b.Email && a.Active == b.Active && SameJSON(a.Profile, b.Profile) && sameExtensions(a.Extensions, b.Extensions)
}

// sameExtensions compares extensions where both members have the field: an
// application built on the HTTP contract before it had "extensions" answers
// without it, and must not look changed at every resync. The values are in
// the profile too, which is compared, so a change of them is still seen.
func sameExtensions(a, b json.RawMessage) bool {
	return a == nil || b == nil || SameJSON(a, b)
}

// SameJSON reports whether two JSON documents hold the same value; an empty
// document counts as {}.
func SameJSON(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb any
	if err := json.Unmarshal(orEmptyObject(a), &va); err != nil {
		return false
	}
	if err := json.Unmarshal(orEmptyObject(b), &vb); err != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// ProfileOrEmpty returns the profile, or {} when it is empty.
func (m Member) ProfileOrEmpty() json.RawMessage { return orEmptyObject(m.Profile) }

// ExtensionsOrEmpty returns the extensions, or {} when there are none.
func (m Member) ExtensionsOrEmpty() json.RawMessage { return orEmptyObject(m.Extensions) }

func orEmptyObject(p json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(p)) == 0 {
		return json.RawMessage(`{}`)
	}
	return p
}
