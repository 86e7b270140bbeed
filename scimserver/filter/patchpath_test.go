package filter

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePatchPath(t *testing.T) {
	tests := []struct {
		path      string
		canonical string
		target    string
		filtered  bool
	}{
		{`userName`, `userName`, `userName`, false},
		{`name.familyName`, `name.familyName`, `name.familyName`, false},
		{`emails[type eq "work"].value`, `emails[type eq "work"].value`, `emails.value`, true},
		{`emails[type eq "work"]`, `emails[type eq "work"]`, `emails`, true},
		{`phoneNumbers[type eq "mobile"].value`, `phoneNumbers[type eq "mobile"].value`, `phoneNumbers.value`, true},
		{`addresses[type eq "work"].formatted`, `addresses[type eq "work"].formatted`, `addresses.formatted`, true},
		{`roles[primary eq "True"].value`, `roles[primary eq true].value`, `roles.value`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`, false},
		{`manager[value eq "manager-id"]`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "manager-id"]`,
			`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:roles`, `roles`, `roles`, false},
		{`EMAILS[TYPE EQ "work"].VALUE`, `emails[type eq "work"].value`, `emails.value`, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := ParsePatchPath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.canonical {
				t.Errorf("String() = %s, want %s", got, tt.canonical)
			}
			if got := p.Target.String(); got != tt.target {
				t.Errorf("Target = %s, want %s", got, tt.target)
			}
			if (p.Filter != nil) != tt.filtered {
				t.Errorf("Filter = %v, want filtered %v", p.Filter, tt.filtered)
			}
		})
	}
}

func TestParsePatchPathFilterMatchesElements(t *testing.T) {
	p, err := ParsePatchPath(`emails[type eq "WORK" and primary eq "true"].value`)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Filter.MatchElement(map[string]any{"type": "work", "primary": true, "value": "x"}) {
		t.Error("work primary element does not match")
	}
	if p.Filter.MatchElement(map[string]any{"type": "home", "primary": true}) {
		t.Error("home element matches")
	}
	m, err := ParsePatchPath(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "m1"]`)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Filter.MatchElement(map[string]any{"value": "m1"}) || m.Filter.MatchElement(map[string]any{"value": "m2"}) {
		t.Error("manager value filter does not select by value")
	}
}

func TestParsePatchPathErrors(t *testing.T) {
	for path, detail := range map[string]string{
		``:                              "empty",
		`members[value eq "x"]`:         `unknown attribute "members"`,
		`emails[type eq "work"].nosuch`: `no sub-attribute "nosuch"`,
		`emails[type eq "work"] x`:      `unexpected "x"`,
		`"userName"`:                    "starts with an attribute name",
		`userName[value eq "x"]`:        "not a complex attribute",
		`emails[type eq "work"`:         "expected ']'",
	} {
		_, err := ParsePatchPath(path)
		var fe *Error
		if !errors.As(err, &fe) || !strings.Contains(fe.Detail, detail) {
			t.Errorf("ParsePatchPath(%s) error = %v, want detail containing %q", path, err, detail)
		}
	}
}
