package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// TestNormalizeResourceGolden replays the literal POST bodies of
// idp-behaviour.md (testdata/create.json).
func TestNormalizeResourceGolden(t *testing.T) {
	var cases []struct {
		Name   string          `json:"name"`
		Source string          `json:"source"`
		Body   json.RawMessage `json:"body"`
		Want   map[string]any  `json:"want"`
	}
	readJSON(t, filepath.Join("testdata", "create.json"), &cases)
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var body map[string]any
			dec := json.NewDecoder(bytes.NewReader(tc.Body))
			dec.UseNumber()
			if err := dec.Decode(&body); err != nil {
				t.Fatal(err)
			}
			got, err := NormalizeResource(body)
			if err != nil {
				t.Fatalf("NormalizeResource: %v (source: %s)", err, tc.Source)
			}
			if !reflect.DeepEqual(roundTrip(t, got), tc.Want) {
				t.Errorf("source: %s\n got: %s\nwant: %s", tc.Source, indent(t, got), indent(t, tc.Want))
			}
		})
	}
}

func TestNormalizeResourceErrors(t *testing.T) {
	for body, detail := range map[string]string{
		`{"userName":"a","favouriteColour":"blue"}`:                  `unknown attribute "favouriteColour"`,
		`{"userName":"a","active":"yes"}`:                            "active must be true or false",
		`{"userName":"a","emails":"not-a-list-of-objects","name":1}`: "name must be an object",
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		_, _, err := NormalizeResourceIn(Schemas{RejectUnknown: true}, m)
		var pe *scimerr.Error
		if !errors.As(err, &pe) || pe.ScimType != scimerr.InvalidValue || !strings.Contains(pe.Detail, detail) {
			t.Errorf("NormalizeResource(%s) = %v, want invalidValue containing %q", body, err, detail)
		}
	}
}
