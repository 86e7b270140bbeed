package patch

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// FuzzApply checks that Apply never panics on any PATCH body, never
// modifies its input, and either succeeds or returns an *scimerr.Error.
func FuzzApply(f *testing.F) {
	for _, seed := range []string{
		`[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"x@y"}]`,
		`[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"555"}]`,
		`[{"op":"replace","value":{"name.givenName":"A","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"1"}}]`,
		`[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m"}]`,
		`[{"op":"Remove","path":"emails","value":[{"value":"a@x"}]}]`,
		`[{"op":"Add","path":"roles","value":[{"value":"{\"value\":\"25\",\"displayName\":\"R\"}"}]}]`,
		`[{"op":"remove","path":"manager[value eq \"m\"]"}]`,
		`[{"op":"replace","path":"addresses","value":{"formatted":"x","primary":"True"}}]`,
	} {
		f.Add(seed)
	}
	user := map[string]any{
		"id":       "u1",
		"userName": "ada",
		"emails":   []any{map[string]any{"type": "work", "value": "a@x", "primary": true}},
		"name":     map[string]any{"givenName": "Ada"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"manager": map[string]any{"value": "m"}},
	}
	before, _ := json.Marshal(user)
	f.Fuzz(func(t *testing.T, body string) {
		var ops []Operation
		if json.Unmarshal([]byte(body), &ops) != nil {
			return
		}
		_, err := Apply(user, ops)
		if after, _ := json.Marshal(user); string(after) != string(before) {
			t.Fatalf("Apply modified its input: %s", after)
		}
		if err != nil {
			var e *scimerr.Error
			if !errors.As(err, &e) {
				t.Fatalf("Apply error %T is not *scimerr.Error: %v", err, err)
			}
		}
	})
}
