package schema

import (
	"errors"
	"strings"
	"testing"
)

func TestResolvePath(t *testing.T) {
	tests := []struct {
		in        string
		want      string // canonical String()
		caseExact bool
		typ       Type
	}{
		{in: "userName", want: "userName", typ: TypeString},
		{in: "USERNAME", want: "userName", typ: TypeString},
		{in: "id", want: "id", caseExact: true, typ: TypeString},
		{in: "externalId", want: "externalId", caseExact: true, typ: TypeString},
		{in: "name.givenName", want: "name.givenName", typ: TypeString},
		{in: "Name.FamilyName", want: "name.familyName", typ: TypeString},
		{in: "emails", want: "emails", typ: TypeComplex},
		{in: "emails.value", want: "emails.value", typ: TypeString},
		{in: "emails.primary", want: "emails.primary", typ: TypeBoolean},
		{in: "active", want: "active", typ: TypeBoolean},
		{in: "meta.lastModified", want: "meta.lastModified", typ: TypeDateTime},
		{in: "meta.version", want: "meta.version", caseExact: true, typ: TypeString},
		{in: "urn:ietf:params:scim:schemas:core:2.0:User:userName", want: "userName", typ: TypeString},
		{in: "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.givenName", want: "name.givenName", typ: TypeString},
		{in: "urn:ietf:params:scim:schemas:core:2.0:User:roles", want: "roles", typ: TypeComplex},
		{in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", want: URNEnterpriseUser + ":manager", typ: TypeComplex},
		{in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", want: URNEnterpriseUser + ":manager.value", typ: TypeString},
		{in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref", want: URNEnterpriseUser + ":manager.$ref", typ: TypeReference},
		{in: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", want: URNEnterpriseUser + ":employeeNumber", typ: TypeString},
		// Entra ID filters on manager without the extension URN.
		{in: "manager", want: URNEnterpriseUser + ":manager", typ: TypeComplex},
		{in: "department", want: URNEnterpriseUser + ":department", typ: TypeString},
		{in: "  title ", want: "title", typ: TypeString},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ResolvePath(tt.in)
			if err != nil {
				t.Fatalf("ResolvePath(%q): %v", tt.in, err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if p.Leaf().CaseExact != tt.caseExact {
				t.Errorf("caseExact = %v, want %v", p.Leaf().CaseExact, tt.caseExact)
			}
			if p.Leaf().Type != tt.typ {
				t.Errorf("type = %q, want %q", p.Leaf().Type, tt.typ)
			}
			a, err := Resolve(tt.in)
			if err != nil || a.Name != p.Leaf().Name {
				t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, a.Name, err, p.Leaf().Name)
			}
		})
	}
}

func TestResolvePathErrors(t *testing.T) {
	tests := []struct {
		in        string
		detailHas string
		notStored bool
	}{
		{in: "", detailHas: "empty"},
		{in: "nosuch", detailHas: `unknown attribute "nosuch"`},
		{in: "name.nosuch", detailHas: `no sub-attribute "nosuch"`},
		{in: "userName.value", detailHas: "userName has no sub-attributes"},
		{in: "name.givenName.x", detailHas: "more than one sub-attribute level"},
		{in: "urn:example:custom:1.0:User:foo", detailHas: "known schema URN"},
		{in: URNEnterpriseUser, detailHas: "names a schema"},
		{in: URNEnterpriseUser + ":userName", detailHas: `unknown attribute "userName"`},
		{in: "password", detailHas: "not stored", notStored: true},
		{in: "urn:ietf:params:scim:schemas:core:2.0:User:groups", detailHas: "not stored", notStored: true},
		{in: "photos", detailHas: `unknown attribute "photos"`},
		{in: URNUser + ":role", detailHas: `unknown attribute "role" of the User resource; did you mean "roles"?`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ResolvePath(tt.in)
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("ResolvePath(%q) error = %v, want *PathError", tt.in, err)
			}
			if !strings.Contains(pe.Error(), tt.detailHas) {
				t.Errorf("error %q does not contain %q", pe.Error(), tt.detailHas)
			}
			if pe.NotStored != tt.notStored {
				t.Errorf("NotStored = %v, want %v", pe.NotStored, tt.notStored)
			}
		})
	}
}

func TestPathContainer(t *testing.T) {
	ext := map[string]any{"department": "R&D"}
	resource := map[string]any{"userName": "ada", URNEnterpriseUser: ext}
	core, _ := ResolvePath("userName")
	if got := core.Container(resource); got["userName"] != "ada" {
		t.Errorf("core container = %v", got)
	}
	dept, _ := ResolvePath("department")
	if got := dept.Container(resource); got["department"] != "R&D" {
		t.Errorf("extension container = %v", got)
	}
	if got := dept.Container(map[string]any{}); got != nil {
		t.Errorf("container of a resource without the extension = %v, want nil", got)
	}
}

func TestIgnored(t *testing.T) {
	for in, want := range map[string]bool{
		"password": true, "PASSWORD": true, "groups": true,
		URNUser + ":password": true, "userName": false, "photos": false,
	} {
		if got := Ignored(in); got != want {
			t.Errorf("Ignored(%q) = %v, want %v", in, got, want)
		}
	}
}
