package patch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// goldenCase is one case of testdata/{entra,okta,rfc}.json: a resource, a
// literal PATCH body, and the resource the PATCH must produce. "before" and
// "after" may name a resource of testdata/fixtures.json as "@name".
type goldenCase struct {
	Name    string          `json:"name"`
	Source  string          `json:"source"`
	Before  json.RawMessage `json:"before"`
	Request json.RawMessage `json:"request"`
	After   json.RawMessage `json:"after"`
}

func loadFixtures(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var fixtures map[string]json.RawMessage
	readJSON(t, filepath.Join("testdata", "fixtures.json"), &fixtures)
	return fixtures
}

func readJSON(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}

// resource decodes a case's resource, resolving "@name" references.
func resource(t *testing.T, fixtures map[string]json.RawMessage, raw json.RawMessage) map[string]any {
	t.Helper()
	var ref string
	if json.Unmarshal(raw, &ref) == nil && strings.HasPrefix(ref, "@") {
		fixture, ok := fixtures[ref[1:]]
		if !ok {
			t.Fatalf("no fixture %s", ref)
		}
		raw = fixture
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGolden replays the literal PATCH requests identity providers send
// (idp-behaviour.md) and RFC 7644 examples.
func TestGolden(t *testing.T) {
	fixtures := loadFixtures(t)
	for _, file := range []string{"entra.json", "okta.json", "rfc.json"} {
		var cases []goldenCase
		readJSON(t, filepath.Join("testdata", file), &cases)
		for _, tc := range cases {
			t.Run(strings.TrimSuffix(file, ".json")+"/"+tc.Name, func(t *testing.T) {
				before := resource(t, fixtures, tc.Before)
				want := resource(t, fixtures, tc.After)
				untouched := resource(t, fixtures, tc.Before)

				req, err := DecodeRequest(tc.Request)
				if err != nil {
					t.Fatalf("DecodeRequest: %v", err)
				}
				got, err := Apply(before, req.Operations)
				if err != nil {
					t.Fatalf("Apply: %v (source: %s)", err, tc.Source)
				}
				if !reflect.DeepEqual(roundTrip(t, got), want) {
					t.Errorf("after PATCH (source: %s)\n got: %s\nwant: %s", tc.Source, indent(t, got), indent(t, want))
				}
				if !reflect.DeepEqual(before, untouched) {
					t.Errorf("Apply modified its input:\n%s", indent(t, before))
				}
			})
		}
	}
}

// roundTrip passes v through JSON, as the server does when it renders.
func roundTrip(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func indent(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "      ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
