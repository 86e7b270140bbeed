package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// TestSchemasGolden compares GET /Schemas' body with testdata/schemas.golden.json.
// Review the golden file against RFC 7643 §8.7.1 after `go test -update`.
func TestSchemasGolden(t *testing.T) {
	got, err := json.MarshalIndent(Schemas("https://scim.example.com/scim/v2/ns/ws/"), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "schemas.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("Schemas() differs from %s; run go test -update and review the diff", golden)
	}
}

func TestSchemasHaveNoNullsAndCompleteCharacteristics(t *testing.T) {
	body, err := json.Marshal(Schemas("https://h/scim"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte("null")) {
		t.Errorf("Schemas() JSON contains null: %s", body)
	}
	var generic []map[string]any
	if err := json.Unmarshal(body, &generic); err != nil {
		t.Fatal(err)
	}
	for _, s := range generic {
		meta := s["meta"].(map[string]any)
		if meta["resourceType"] != "Schema" || meta["location"] != "https://h/scim/Schemas/"+s["id"].(string) {
			t.Errorf("schema %v meta = %v", s["id"], meta)
		}
		var check func(prefix string, attrs []any)
		check = func(prefix string, attrs []any) {
			for _, a := range attrs {
				attr := a.(map[string]any)
				for _, key := range []string{"name", "type", "multiValued", "description", "required", "caseExact", "mutability", "returned", "uniqueness"} {
					if _, ok := attr[key]; !ok {
						t.Errorf("%s%v lacks %q", prefix, attr["name"], key)
					}
				}
				if subs, ok := attr["subAttributes"].([]any); ok {
					check(prefix+attr["name"].(string)+".", subs)
				}
			}
		}
		check(s["id"].(string)+":", s["attributes"].([]any))
	}
}

// TestStoredAttributes pins the attribute set to what a WorkspaceUser
// stores, and groups: read-only, answered from the workspace's Groups.
func TestStoredAttributes(t *testing.T) {
	names := func(s Schema) string {
		var out []string
		for _, a := range s.Attributes {
			out = append(out, a.Name)
		}
		return strings.Join(out, " ")
	}
	if got, want := names(User), "id externalId userName name displayName nickName profileUrl title userType preferredLanguage locale timezone active emails phoneNumbers addresses roles groups meta"; got != want {
		t.Errorf("User attributes = %q, want %q", got, want)
	}
	if got, want := names(EnterpriseUser), "employeeNumber costCenter organization division department manager"; got != want {
		t.Errorf("EnterpriseUser attributes = %q, want %q", got, want)
	}
	for _, ro := range []string{"id", "meta", "meta.created", "meta.lastModified"} {
		if a, _ := Resolve(ro); a.Mutability != ReadOnly {
			t.Errorf("%s mutability = %q, want readOnly", ro, a.Mutability)
		}
	}
	groups, ok := User.Attribute("groups")
	if !ok || groups.Mutability != ReadOnly {
		t.Errorf("groups = %+v, want readOnly", groups)
	}
	for _, sub := range groups.SubAttributes {
		if sub.Mutability != ReadOnly {
			t.Errorf("groups.%s mutability = %q, want readOnly", sub.Name, sub.Mutability)
		}
	}
	if a, _ := Resolve("userName"); !a.Required || a.Uniqueness != UniquenessServer || a.CaseExact {
		t.Errorf("userName = %+v, want required, unique per server, case-insensitive", a)
	}
}
