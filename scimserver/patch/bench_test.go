package patch

import (
	"encoding/json"
	"testing"
)

func BenchmarkApply(b *testing.B) {
	user := map[string]any{
		"id":       "u1",
		"userName": "ada@contoso.com",
		"active":   true,
		"name":     map[string]any{"givenName": "Ada", "familyName": "Lovelace"},
		"emails":   []any{map[string]any{"type": "work", "value": "ada@contoso.com", "primary": true}},
	}
	ops := []Operation{
		{Op: "Replace", Path: `emails[type eq "work"].value`, Value: json.RawMessage(`"new@contoso.com"`)},
		{Op: "replace", Value: json.RawMessage(`{"displayName":"Ada","name.givenName":"Ada","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"1"}`)},
		{Op: "Replace", Path: "active", Value: json.RawMessage(`"False"`)},
	}
	for b.Loop() {
		if _, err := Apply(user, ops); err != nil {
			b.Fatal(err)
		}
	}
}
