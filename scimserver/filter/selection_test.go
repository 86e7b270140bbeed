package filter

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestSelection(t *testing.T) {
	tests := []struct {
		name                 string
		attributes, excluded string
		want                 string
	}{
		{"nothing selected", "", "", ""},
		{"attributes keeps id and schemas", "userName", "",
			`{"id":"bob-id","userName":"bob"}`},
		{"sub-attributes of a multi-valued attribute", "emails.value, emails.type", "",
			`{"id":"bob-id","emails":[{"value":"Bob@Example.org","type":"work"}]}`},
		{"case-insensitive names", "USERNAME,Name.GivenName", "",
			`{"id":"bob-id","userName":"bob"}`},
		{"excludedAttributes", "", "emails,phoneNumbers,meta,displayName",
			`{"id":"bob-id","userName":"bob","active":false}`},
		{"id cannot be excluded", "", "id,userName,emails,phoneNumbers,meta,displayName,active",
			`{"id":"bob-id"}`},
		{"excluded sub-attribute", "phoneNumbers", "phoneNumbers.type",
			`{"id":"bob-id","phoneNumbers":[{"value":"555"}]}`},
	}
	bob := people()["bob"]
	before, _ := json.Marshal(bob)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSelection(tt.attributes, tt.excluded)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Apply(bob)
			want := bob
			if tt.want != "" {
				want = nil
				if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
					t.Fatal(err)
				}
			}
			gotJSON, _ := json.Marshal(got)
			var gotBack map[string]any
			_ = json.Unmarshal(gotJSON, &gotBack)
			var wantBack map[string]any
			wantJSON, _ := json.Marshal(want)
			_ = json.Unmarshal(wantJSON, &wantBack)
			if !reflect.DeepEqual(gotBack, wantBack) {
				t.Errorf("got  %s\nwant %s", gotJSON, wantJSON)
			}
			if after, _ := json.Marshal(bob); string(after) != string(before) {
				t.Errorf("Apply modified the resource: %s", after)
			}
		})
	}
}

func TestSelectionOfTheExtension(t *testing.T) {
	ada := people()["ada"]
	s, err := ParseSelection("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value,name.familyName", "")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(s.Apply(ada))
	want := `{"id":"2819c223-7f76-453a-919d-413861904646","name":{"familyName":"Lovelace"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"26118915-6090-4610-87e4-49d8ca9f808d"}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	s, err = ParseSelection("", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Apply(ada)["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]; ok {
		t.Error("excluding the extension schema kept it")
	}
	s, _ = ParseSelection("", "department")
	ext := s.Apply(ada)["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
	if _, ok := ext["department"]; ok || ext["employeeNumber"] != "701984" {
		t.Errorf("excluding department gave %v", ext)
	}
	if _, ok := ada["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)["department"]; !ok {
		t.Error("excluding department modified the resource")
	}
}

func TestSelectionErrors(t *testing.T) {
	var fe *Error
	if _, err := ParseSelection("userName,nosuch", ""); !errors.As(err, &fe) {
		t.Errorf("ParseSelection(nosuch) = %v, want *Error", err)
	}
	if _, err := ParseSelection("", "emails.nosuch"); !errors.As(err, &fe) {
		t.Errorf("ParseSelection(excluded emails.nosuch) = %v, want *Error", err)
	}
}
