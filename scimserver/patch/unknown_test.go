package patch

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// A body with an attribute no schema has: under Ignore the rest is kept and
// the names are reported; under Reject the whole body is refused.
func TestNormalizeResourceUnknownAttributes(t *testing.T) {
	body := decodeBody(t, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:acme:2.0:User"],
		"userName":"ada@example.com","adreses":[{"streetAddress":"1 Main St"}],
		"urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"costCode":"X1","badge":7},
		"urn:ietf:params:scim:schemas:extension:other:2.0:User:level":"3",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","floor":"2"}}`)
	res, result, err := NormalizeResourceIn(Schemas{}, body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"userName": "ada@example.com",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": "R&D"}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("resource = %v, want %v", res, want)
	}
	wantIgnored := []string{
		"adreses",
		"urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge",
		"urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:floor",
		"urn:ietf:params:scim:schemas:extension:other:2.0:User:level",
	}
	if !reflect.DeepEqual(result.Ignored, wantIgnored) {
		t.Errorf("Ignored = %q, want %q", result.Ignored, wantIgnored)
	}

	_, _, err = NormalizeResourceIn(Schemas{RejectUnknown: true}, body)
	var se *scimerr.Error
	if !errors.As(err, &se) || se.Status != 400 || se.ScimType != scimerr.InvalidValue || !strings.Contains(se.Detail, "adreses") {
		t.Errorf("under Reject: %v, want 400 invalidValue naming adreses", err)
	}
}

// PATCH operations on unknown attributes are skipped under Ignore (the
// others apply) and refused under Reject.
func TestApplyUnknownAttributes(t *testing.T) {
	user := map[string]any{"userName": "ada@example.com"}
	var ops []Operation
	if err := json.Unmarshal([]byte(`[
		{"op":"replace","path":"adreses[type eq \"work\"].streetAddress","value":"1 Main St"},
		{"op":"add","path":"urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode","value":"X1"},
		{"op":"remove","path":"favouriteColour"},
		{"op":"replace","value":{"title":"CTO","favoriteColor":"blue"}}]`), &ops); err != nil {
		t.Fatal(err)
	}
	got, result, err := ApplyIn(Schemas{}, user, ops)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"userName": "ada@example.com", "title": "CTO"}; !reflect.DeepEqual(got, want) {
		t.Errorf("patched = %v, want %v", got, want)
	}
	if want := []string{"adreses", "favoriteColor", "favouriteColour", "urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode"}; !reflect.DeepEqual(result.Ignored, want) {
		t.Errorf("Ignored = %q, want %q", result.Ignored, want)
	}
	_, _, err = ApplyIn(Schemas{RejectUnknown: true}, user, ops)
	var se *scimerr.Error
	if !errors.As(err, &se) || se.ScimType != scimerr.InvalidPath || !strings.Contains(se.Detail, "Operations[0]") {
		t.Errorf("under Reject: %v, want 400 invalidPath for Operations[0]", err)
	}
}

func decodeBody(t *testing.T, body string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}
