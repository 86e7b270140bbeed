package filter

import (
	"errors"
	"strings"
	"testing"
)

// TestParseAndMatch parses each filter, checks its canonical form, and which
// of the people (fixtures_test.go) it matches.
func TestParseAndMatch(t *testing.T) {
	tests := []struct {
		name      string
		filter    string
		canonical string
		matches   string
	}{
		// Entra ID and Okta existence checks.
		{"userName eq", `userName eq "Ada@Example.com"`, `userName eq "Ada@Example.com"`, "ada"},
		{"userName is case-insensitive", `userName eq "ADA@EXAMPLE.COM"`, `userName eq "ADA@EXAMPLE.COM"`, "ada"},
		{"operator and attribute case-insensitive", `USERNAME EQ "bob"`, `userName eq "bob"`, "bob"},
		{"Entra test connection finds nobody", `userName eq "3e59e27b-68ad-41f5-bb0e-dadf130e2ac8"`, `userName eq "3e59e27b-68ad-41f5-bb0e-dadf130e2ac8"`, ""},
		{"externalId is case-exact", `externalId eq "ada-ext"`, `externalId eq "ada-ext"`, "carol"},
		{"id is case-exact", `id eq "BOB-ID"`, `id eq "BOB-ID"`, ""},
		{"id eq", `id eq "bob-id"`, `id eq "bob-id"`, "bob"},
		{"Entra e-mail uniqueness", `emails[type eq "work"].value eq "bob@example.org"`, `emails[type eq "work" and value eq "bob@example.org"]`, "bob"},
		{"value path and sub-attribute must hold for one element", `emails[type eq "home"].value eq "ada@example.com"`, `emails[type eq "home" and value eq "ada@example.com"]`, ""},
		{"Entra manager check", `id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
			`(id eq "2819c223-7f76-453a-919d-413861904646" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d")`, "ada"},
		{"Entra manager check with another manager", `id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "someone-else"`,
			`(id eq "2819c223-7f76-453a-919d-413861904646" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "someone-else")`, ""},

		// Operators.
		{"ne", `userName ne "bob"`, `userName ne "bob"`, "ada carol"},
		{"co", `displayName co "LOVE"`, `displayName co "LOVE"`, "ada"},
		{"sw", `userName sw "A"`, `userName sw "A"`, "ada"},
		{"ew", `emails.value ew ".ORG"`, `emails.value ew ".ORG"`, "ada bob"},
		{"pr", `title pr`, `title pr`, "ada"},
		{"pr of empty string is false", `displayName pr`, `displayName pr`, "ada bob"},
		{"pr of empty list is false", `emails pr`, `emails pr`, "ada bob"},
		{"gt on strings", `userName gt "b"`, `userName gt "b"`, "bob carol"},
		{"ge on strings", `userName ge "bob"`, `userName ge "bob"`, "bob carol"},
		{"lt on strings", `userName lt "BOB"`, `userName lt "BOB"`, "ada"},
		{"le on strings", `userName le "bob"`, `userName le "bob"`, "ada bob"},
		{"lastModified gt as instants", `meta.lastModified gt "2026-04-30T21:59:59Z"`, `meta.lastModified gt "2026-04-30T21:59:59Z"`, "bob"},
		{"lastModified ge with offset", `meta.lastModified ge "2026-05-01T00:00:00+02:00"`, `meta.lastModified ge "2026-05-01T00:00:00+02:00"`, "bob"},
		{"lastModified lt", `meta.lastModified lt "2026-04-01T00:00:00Z"`, `meta.lastModified lt "2026-04-01T00:00:00Z"`, "ada"},
		{"lastModified le exact", `meta.lastModified le "2026-03-01T10:00:00Z"`, `meta.lastModified le "2026-03-01T10:00:00Z"`, "ada"},
		{"created eq", `meta.created eq "2026-01-01T00:00:00Z"`, `meta.created eq "2026-01-01T00:00:00Z"`, "ada"},

		// Booleans.
		{"active eq false", `active eq false`, `active eq false`, "bob"},
		{"active ne false", `active ne false`, `active ne false`, "ada carol"},
		{"string boolean True", `active eq "True"`, `active eq true`, "ada carol"},
		{"string boolean in value path", `roles[primary eq "True"]`, `roles[primary eq true]`, "ada"},
		{"boolean literal case", `active eq FALSE`, `active eq false`, "bob"},

		// Logic and grouping.
		{"and", `active eq true and emails pr`, `(active eq true and emails pr)`, "ada"},
		{"or", `userName eq "bob" or userName eq "carol"`, `(userName eq "bob" or userName eq "carol")`, "bob carol"},
		{"and binds tighter than or", `userName eq "bob" or userName eq "carol" and active eq false`, `(userName eq "bob" or (userName eq "carol" and active eq false))`, "bob"},
		{"parentheses", `(userName eq "bob" or userName eq "carol") and active eq true`, `((userName eq "bob" or userName eq "carol") and active eq true)`, "carol"},
		{"not", `not (userName eq "bob")`, `not (userName eq "bob")`, "ada carol"},
		{"not without space", `not(active eq true)`, `not (active eq true)`, "bob"},
		{"not without parentheses", `not userName eq "bob"`, `not (userName eq "bob")`, "ada carol"},
		{"nested parentheses", `((userName eq "bob"))`, `userName eq "bob"`, "bob"},

		// Value paths and sub-attributes.
		{"value path with and", `emails[type eq "work" and value co "example.com"]`, `emails[type eq "work" and value co "example.com"]`, "ada"},
		{"value path with or and not", `emails[not (type eq "work") or primary eq true]`, `emails[not (type eq "work") or primary eq true]`, "ada"},
		{"value path alone", `phoneNumbers[type eq "mobile"]`, `phoneNumbers[type eq "mobile"]`, "bob"},
		{"value path then pr", `emails[type eq "home"].value pr`, `emails[type eq "home" and value pr]`, "ada"},
		{"sub-attribute of multi-valued", `emails.type eq "home"`, `emails.type eq "home"`, "ada"},
		{"complex attribute compares its value", `emails eq "ADA@home.org"`, `emails.value eq "ADA@home.org"`, "ada"},
		{"multi-valued ne matches when any element differs", `emails.type ne "work"`, `emails.type ne "work"`, "ada carol"},
		{"name part", `name.familyName eq "lovelace"`, `name.familyName eq "lovelace"`, "ada"},
		{"value path on single-valued complex", `name[givenName sw "a"]`, `name[givenName sw "a"]`, "ada"},

		// URN-qualified paths and the enterprise extension.
		{"core URN", `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "carol"`, `userName eq "carol"`, "carol"},
		{"core URN value path with sub-attribute", `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value eq "ADA@example.com"`,
			`emails[type eq "work" and value eq "ADA@example.com"]`, "ada"},
		{"enterprise URN", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, "ada"},
		{"enterprise URN sub-attribute", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, "ada"},
		{"enterprise URN value path", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[displayName co "smith"]`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[displayName co "smith"]`, "ada"},
		{"enterprise unqualified", `department eq "r&d"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"`, "ada"},

		// Literals.
		{"escaped quote is unescaped", `displayName eq "Bob \"The Builder\""`, `displayName eq "Bob \"The Builder\""`, "bob"},
		{"unicode escape", `userName eq "\u0062ob"`, `userName eq "bob"`, "bob"},
		{"null eq matches absent", `externalId eq null`, `externalId eq null`, "bob"},
		{"null ne matches present", `title ne null`, `title ne null`, "ada"},
		{"number literal on string attribute", `employeeNumber eq 701984`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, "ada"},
		{"tabs and newlines", "userName\teq\n\"bob\"", `userName eq "bob"`, "bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%s): %v", tt.filter, err)
			}
			if got := e.String(); got != tt.canonical {
				t.Errorf("String() = %s\n                want %s", got, tt.canonical)
			}
			if got := matching(e); got != tt.matches {
				t.Errorf("matches %q, want %q", got, tt.matches)
			}
			// The canonical form parses to the same filter.
			again, err := Parse(e.String())
			if err != nil {
				t.Fatalf("Parse(String()) = %v", err)
			}
			if again.String() != e.String() {
				t.Errorf("round trip: %s != %s", again.String(), e.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		filter    string
		pos       int
		detailHas string
	}{
		{``, 0, "empty"},
		{`   `, 0, "empty"},
		{`nickname eq`, 11, "expected a value"},
		{`foo eq "x"`, 0, `unknown attribute "foo"`},
		{`password eq "x"`, 0, "not stored"},
		{`members eq "x"`, 0, `unknown attribute "members"`},
		{`userName xx "x"`, 9, "expected an operator"},
		{`userName`, 8, "expected an operator"},
		{`userName eq and`, 12, `found the keyword "and"`},
		{`userName eq x y`, 14, `unexpected "y"`},
		{`active eq yes`, 10, "compare it with true or false"},
		{`meta.lastModified gt yesterday`, 21, "not an RFC 3339 time"},
		{`meta.lastModified sw 2026-01-01T00:00:00Z`, 21, "use eq ne gt ge lt le"},
		{`userName eq "x`, 12, "unterminated string"},
		{`userName eq "\q"`, 12, "invalid string literal"},
		{`userName eq "x" foo`, 16, "unexpected \"foo\""},
		{`userName eq "x" and`, 19, "ends early"},
		{`(userName eq "x"`, 16, "expected ')'"},
		{`userName eq "x")`, 15, "unexpected ')'"},
		{`emails[type eq "work"`, 21, "expected ']'"},
		{`emails[foo eq "x"]`, 7, `no sub-attribute "foo"`},
		{`emails[type eq "work"].foo eq "x"`, 23, `no sub-attribute "foo"`},
		{`emails[type eq "work"]. eq "x"`, 22, "sub-attribute name"},
		{`emails[type eq "work"].value`, 28, "expected an operator"},
		{`userName[value eq "x"]`, 8, "not a complex attribute"},
		{`emails[value eq "x"][type eq "y"]`, 20, "unexpected '['"},
		{`emails[type[value eq "x"]]`, 11, "cannot contain another value filter"},
		{`name eq "x"`, 5, "compare one of its sub-attributes"},
		{`active gt true`, 10, "boolean; use eq or ne"},
		{`active eq "yes"`, 10, "compare it with true or false"},
		{`active eq 1`, 10, "compare it with true or false"},
		{`userName eq true`, 12, "is a string; quote the value"},
		{`userName gt null`, 12, "null can only be compared with eq or ne"},
		{`meta.lastModified gt "yesterday"`, 21, "not an RFC 3339 time"},
		{`meta.lastModified co "2026"`, 21, "use eq ne gt ge lt le"},
		{`meta.lastModified gt 5`, 21, "quoted RFC 3339 time"},
		{`userName eq 1.2.3 or`, 20, "ends early"},
		{`userName eq "x" && active eq true`, 16, "unexpected character '&'"},
		{`urn:example:custom:1.0:User:foo eq "x"`, 0, "known schema URN"},
		{strings.Repeat("(", 40) + `userName eq "x"` + strings.Repeat(")", 40), 33, "nests deeper"},
		{strings.Repeat("not ", 40) + `userName eq "x"`, 132, "nests deeper"},
		{`userName eq "` + strings.Repeat("x", 5000) + `"`, 0, "longer than"},
		{"userName eq \"\xff\"", 0, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := Parse(tt.filter)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%s) = %v, %v; want *Error", tt.filter, e, err)
			}
			if !strings.Contains(fe.Detail, tt.detailHas) {
				t.Errorf("Detail %q does not contain %q", fe.Detail, tt.detailHas)
			}
			if fe.Pos != tt.pos {
				t.Errorf("Pos = %d, want %d (%s)", fe.Pos, tt.pos, fe.Detail)
			}
		})
	}
}
