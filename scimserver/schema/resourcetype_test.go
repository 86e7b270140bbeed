package schema

import (
	"encoding/json"
	"testing"
)

func TestUserResourceType(t *testing.T) {
	got, err := json.Marshal(UserResourceType("https://scim.example.com/scim/v2/ns/ws/"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],"id":"User","name":"User","endpoint":"/Users","description":"User Account",` +
		`"schema":"urn:ietf:params:scim:schemas:core:2.0:User","schemaExtensions":[{"schema":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","required":false}],` +
		`"meta":{"resourceType":"ResourceType","location":"https://scim.example.com/scim/v2/ns/ws/ResourceTypes/User"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
