package patch

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

func TestApplyErrors(t *testing.T) {
	user := map[string]any{
		"id":       "u1",
		"userName": "ada@contoso.com",
		"emails":   []any{map[string]any{"type": "work", "value": "ada@contoso.com"}},
		"meta":     map[string]any{"resourceType": "User"},
	}
	tests := []struct {
		name      string
		ops       string
		scimType  string
		detailHas string
	}{
		{"unknown attribute", `[{"op":"replace","path":"favouriteColour","value":"blue"}]`,
			scimerr.InvalidPath, `Operations[0] (replace favouriteColour): attribute path "favouriteColour": unknown attribute "favouriteColour"`},
		{"unknown attribute in a path-less value", `[{"op":"add","value":{"displayName":"Ada","favouriteColour":"blue"}}]`,
			scimerr.InvalidPath, `unknown attribute "favouriteColour"`},
		{"core URN with a name Rollcall does not store suggests the plural", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:role","value":"owner"}]`,
			scimerr.InvalidPath, `unknown attribute "role" of the User resource; did you mean "roles"?`},
		{"unknown sub-attribute", `[{"op":"replace","path":"name.nickname","value":"x"}]`,
			scimerr.InvalidPath, `name has no sub-attribute "nickname"`},
		{"unknown sub-attribute inside a value", `[{"op":"add","path":"emails","value":[{"value":"x@y","kind":"work"}]}]`,
			scimerr.InvalidPath, `emails has no sub-attribute "kind"`},
		{"unknown schema in a path", `[{"op":"replace","path":"urn:example:custom:1.0:User:badge","value":"x"}]`,
			scimerr.InvalidPath, "not a schema or attribute of this workspace"},
		{"bad filter in a path", `[{"op":"replace","path":"emails[type eq and].value","value":"x"}]`,
			scimerr.InvalidPath, `expected a value after emails.type eq, found the keyword "and"`},
		{"id is read-only", `[{"op":"replace","path":"id","value":"u2"}]`,
			scimerr.Mutability, "id is read-only"},
		{"meta is read-only", `[{"op":"replace","path":"meta.lastModified","value":"2026-01-01T00:00:00Z"}]`,
			scimerr.Mutability, "meta is read-only"},
		{"path-less value changing id", `[{"op":"replace","value":{"id":"u2"}}]`,
			scimerr.Mutability, "id is read-only; it cannot change from u1 to u2"},
		{"remove without path", `[{"op":"remove"}]`,
			scimerr.NoTarget, "remove needs a path"},
		{"unknown op", `[{"op":"move","path":"title","value":"x"}]`,
			scimerr.InvalidSyntax, `op "move" is not one of add, replace, remove`},
		{"boolean that is not one", `[{"op":"replace","path":"active","value":"yes"}]`,
			scimerr.InvalidValue, "active must be true or false, not a string"},
		{"string boolean inside an object that is not one", `[{"op":"add","path":"emails","value":[{"value":"x@y","primary":"maybe"}]}]`,
			scimerr.InvalidValue, "emails.primary must be true or false"},
		{"string attribute given an object", `[{"op":"replace","path":"title","value":{"x":1}}]`,
			scimerr.InvalidValue, "title must be a string, not an object"},
		{"empty userName", `[{"op":"replace","path":"userName","value":""}]`,
			scimerr.InvalidValue, "userName is required and cannot be empty"},
		{"remove userName", `[{"op":"remove","path":"userName"}]`,
			scimerr.Mutability, "userName is required and cannot be removed"},
		{"path-less value that is not an object", `[{"op":"replace","value":"x"}]`,
			scimerr.InvalidValue, "an operation without a path needs an object"},
		{"filtered add that cannot describe the new value", `[{"op":"add","path":"emails[value co \"example\"].display","value":"x"}]`,
			scimerr.NoTarget, "no value of emails matches"},
		{"filtered replace with a non-object value", `[{"op":"replace","path":"emails[type eq \"work\"]","value":"x"}]`,
			scimerr.InvalidValue, "the value must be an object of its sub-attributes"},
		{"manager given two objects", `[{"op":"add","path":"manager","value":[{"value":"a"},{"value":"b"}]}]`,
			scimerr.InvalidValue, "single-valued; send one object, not a list of 2"},
		{"filtered add on a single-valued attribute that does not match", `[{"op":"add","path":"manager[value eq \"m2\"].displayName","value":"x"},{"op":"add","path":"manager[value eq \"m3\"].displayName","value":"x"}]`,
			scimerr.NoTarget, "does not match the current manager"},
		{"second operation fails, naming its index", `[{"op":"replace","path":"title","value":"x"},{"op":"replace","path":"nosuch","value":"x"}]`,
			scimerr.InvalidPath, "Operations[1] (replace nosuch)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ops []Operation
			if err := json.Unmarshal([]byte(tt.ops), &ops); err != nil {
				t.Fatal(err)
			}
			// Unknown attributes are refused, as under unknownAttributes Reject.
			got, _, err := ApplyIn(Schemas{RejectUnknown: true}, user, ops)
			var pe *scimerr.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Apply = %v, %v; want *scimerr.Error", got, err)
			}
			if pe.Status != 400 || pe.ScimType != tt.scimType {
				t.Errorf("status %d scimType %q, want 400 %q (%s)", pe.Status, pe.ScimType, tt.scimType, pe.Detail)
			}
			if !strings.Contains(pe.Detail, tt.detailHas) {
				t.Errorf("Detail %q does not contain %q", pe.Detail, tt.detailHas)
			}
		})
	}
}

func TestApplyInvalidJSONValue(t *testing.T) {
	_, err := Apply(map[string]any{"userName": "a"}, []Operation{{Op: "add", Path: "title", Value: json.RawMessage(`{`)}})
	var pe *scimerr.Error
	if !errors.As(err, &pe) || pe.ScimType != scimerr.InvalidValue {
		t.Errorf("Apply with truncated JSON = %v, want invalidValue", err)
	}
}

func TestDecodeRequest(t *testing.T) {
	for name, body := range map[string]string{
		"Operations": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		"operations": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		"no schemas": `{"Operations":[{"OP":"Replace","PATH":"active","VALUE":"False"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(req.Operations) != 1 || req.Operations[0].Op != "Replace" || req.Operations[0].Path != "active" || string(req.Operations[0].Value) != `"False"` {
				t.Errorf("decoded %+v", req)
			}
		})
	}
	for name, body := range map[string]string{
		"not JSON":      `{"Operations":`,
		"no operations": `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeRequest([]byte(body))
			var pe *scimerr.Error
			if !errors.As(err, &pe) || pe.ScimType != scimerr.InvalidSyntax {
				t.Errorf("DecodeRequest = %v, want invalidSyntax", err)
			}
		})
	}
}

// TestTombstoneRenameKeepsEmails: Entra ID frees a soft-deleted user's UPN
// by renaming userName to <object id hex><UPN>; the e-mail must stay.
func TestTombstoneRenameKeepsEmails(t *testing.T) {
	user := map[string]any{
		"id":       "u1",
		"userName": "ada@contoso.com",
		"active":   true,
		"emails":   []any{map[string]any{"type": "work", "value": "ada@contoso.com", "primary": true}},
	}
	got, err := Apply(user, []Operation{
		{Op: "Replace", Path: "userName", Value: json.RawMessage(`"0a21f0f28d2a4f8ebf987363c4aed4efada@contoso.com"`)},
		{Op: "Replace", Path: "active", Value: json.RawMessage(`"False"`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got["userName"] != "0a21f0f28d2a4f8ebf987363c4aed4efada@contoso.com" || got["active"] != false {
		t.Errorf("userName %v active %v", got["userName"], got["active"])
	}
	emails := got["emails"].([]any)
	if len(emails) != 1 || emails[0].(map[string]any)["value"] != "ada@contoso.com" {
		t.Errorf("emails = %v, want the original address", emails)
	}
}

// TestApplyLeavesOnePrimary: even a stored resource with two primary values
// comes out of Apply with one.
func TestApplyLeavesOnePrimary(t *testing.T) {
	user := map[string]any{
		"id":       "u1",
		"userName": "ada",
		"emails": []any{
			map[string]any{"type": "work", "value": "a@x", "primary": true},
			map[string]any{"type": "home", "value": "b@x", "primary": true},
		},
	}
	got, err := Apply(user, []Operation{{Op: "replace", Path: "title", Value: json.RawMessage(`"CTO"`)}})
	if err != nil {
		t.Fatal(err)
	}
	emails := got["emails"].([]any)
	if emails[0].(map[string]any)["primary"] != true || emails[1].(map[string]any)["primary"] != false {
		t.Errorf("emails = %v, want only the first primary", emails)
	}
	if user["emails"].([]any)[1].(map[string]any)["primary"] != true {
		t.Error("Apply modified its input")
	}
}
