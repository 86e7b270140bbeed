package filter

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that it either returns a filter
// or an *Error, and that a parsed filter's canonical form parses again and
// evaluates without panicking.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`userName eq "bjensen"`,
		`emails[type eq "work"].value eq "x"`,
		`not (active eq "True") or (title pr and meta.lastModified gt "2011-05-13T04:42:34Z")`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"`,
		`displayName eq "a\"b\u00e9"`,
		`employeeNumber eq -1.5e3`,
		`emails[value eq "x"`,
		`((((`,
		`x eq`,
		`userName sw O and name.familyName eq Employee`,
		`meta.created gt 2015-10-10T14:38:21.8617979-07:00`,
		`emails[type eq work].value eq a@b`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T is not *Error", s, err)
			}
			return
		}
		for _, r := range people() {
			e.Match(r)
		}
		again, err := Parse(e.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, e.String(), err)
		}
		if again.String() != e.String() {
			t.Fatalf("canonical form is not stable: %q then %q", e.String(), again.String())
		}
		_, _ = ParsePatchPath(s)
	})
}
