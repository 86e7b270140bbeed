package schema

import (
	"errors"
	"testing"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

func TestSet(t *testing.T) {
	set := NewSet([]identityv1alpha1.SchemaExtension{
		{URN: "urn:example:acme", Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "code"}}},
		{URN: "urn:example:acme:2.0:User", Attributes: []identityv1alpha1.ExtensionAttribute{
			{Name: "badge", Type: identityv1alpha1.ExtensionInteger, MultiValued: true, Required: true}}},
		{URN: URNEnterpriseUser, Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "floor"}}},  // the CRD refuses it
		{URN: "URN:EXAMPLE:ACME", Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "again"}}}, // a repeat
	})
	if got := len(set.Declared()); got != 2 {
		t.Fatalf("Declared = %d schemas, want 2 (the enterprise URN and the repeat are skipped)", got)
	}
	// The longest URN wins: urn:example:acme:2.0:User:badge is not an
	// attribute "2.0:User:badge" of urn:example:acme.
	p, err := set.ResolvePath("urn:example:acme:2.0:user:BADGE")
	if err != nil {
		t.Fatal(err)
	}
	if p.Schema != "urn:example:acme:2.0:User" || p.Attribute.Name != "badge" || p.Attribute.Type != TypeInteger || !p.Attribute.MultiValued || !p.Attribute.Required {
		t.Errorf("ResolvePath = %+v", p)
	}
	if p, err := set.ResolvePath("code"); err != nil || p.Schema != "urn:example:acme" {
		t.Errorf("unqualified declared name: %+v, %v", p, err)
	}
	if _, err := Default().ResolvePath("urn:example:acme:code"); err == nil {
		t.Error("another workspace's extension resolves in Default")
	}
	var pe *PathError
	if _, err := set.ResolvePath("urn:example:other:2.0:User:x"); err == nil {
		t.Error("an undeclared URN resolves")
	} else if !errors.As(err, &pe) || !pe.Unknown || pe.Name != "urn:example:other:2.0:User:x" {
		t.Errorf("undeclared URN: %#v", err)
	}
	if _, err := set.ResolvePath("urn:example:acme:nope"); err == nil {
		t.Error("an undeclared attribute resolves")
	} else if !errors.As(err, &pe) || !pe.Unknown || pe.Name != "urn:example:acme:nope" {
		t.Errorf("undeclared attribute: %#v", err)
	}
	rt := set.UserResourceType("")
	if len(rt.SchemaExtensions) != 3 || rt.SchemaExtensions[2] != (ExtensionRef{Schema: "urn:example:acme:2.0:User"}) {
		t.Errorf("schemaExtensions = %+v", rt.SchemaExtensions)
	}
	reps := set.Schemas("https://h/scim")
	if len(reps) != 4 || reps[3].Name != "acme" || reps[3].Attributes[0].Type != TypeInteger {
		t.Errorf("Schemas = %+v", reps)
	}
	if NewSet(nil) != Default() {
		t.Error("a workspace without extensions has the Default set")
	}
}
