package scimserver

import (
	"reflect"
	"testing"
)

func TestSelection(t *testing.T) {
	res := map[string]any{
		"schemas": []any{"s"}, "id": "1", "userName": "u", "displayName": "d",
		"name":   map[string]any{"givenName": "g", "familyName": "f"},
		"emails": []any{map[string]any{"value": "a@b", "type": "work"}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "x", "employeeNumber": "7"},
		"meta": map[string]any{"resourceType": "User"},
	}
	p, e := newSelection(nil, []string{"USERNAME,name.givenName", "emails.value", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}, nil)
	if e != nil {
		t.Fatal(e)
	}
	got := p.Apply(res)
	want := map[string]any{"schemas": []any{"s"}, "id": "1", "userName": "u", "name": map[string]any{"givenName": "g"},
		"emails": []any{map[string]any{"value": "a@b"}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "x"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("attributes: got %v, want %v", got, want)
	}
	p, _ = newSelection(nil, nil, []string{"id", "meta", "name.familyName", "emails.type", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"})
	got = p.Apply(res)
	want = map[string]any{"schemas": []any{"s"}, "id": "1", "userName": "u", "displayName": "d", "name": map[string]any{"givenName": "g"},
		"emails": []any{map[string]any{"value": "a@b"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("excludedAttributes: got %v, want %v", got, want)
	}
	if _, ok := res["meta"]; !ok || len(res["name"].(map[string]any)) != 2 {
		t.Error("a projection changed the resource it was given")
	}
	// A value filter in attributes names the attribute (emails), as
	// clients send it; the filter does not narrow the values.
	p, e = newSelection(nil, []string{`emails[type eq "work"],userName`}, []string{`emails[type eq "work"].type`})
	if e != nil {
		t.Fatalf(`attributes=emails[type eq "work"]: %v`, e)
	}
	got = p.Apply(res)
	want = map[string]any{"schemas": []any{"s"}, "id": "1", "userName": "u", "emails": []any{map[string]any{"value": "a@b"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf(`attributes=emails[type eq "work"]: got %v, want %v`, got, want)
	}
	if _, e := newSelection(nil, []string{`emails[type eq "work"`}, nil); e == nil {
		t.Error("an unclosed value filter in attributes is refused")
	}
}
