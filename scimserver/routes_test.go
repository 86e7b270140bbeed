package scimserver

import (
	"testing"

	"github.com/rollcall-dev/rollcall/scimserver/store"
)

func TestParseRoute(t *testing.T) {
	nsws := store.Workspace{Namespace: "ns", Name: "ws"}
	tests := []struct {
		path string
		ok   bool
		want route
	}{
		{"/scim/v2/ns/ws/Users", true, route{workspace: nsws, resource: resourceUsers}},
		{"/scim/v2/ns/ws/users/", true, route{workspace: nsws, resource: resourceUsers}},
		{"/scim/v2/ns/ws/USERS/abc-1", true, route{workspace: nsws, resource: resourceUsers, id: "abc-1"}},
		{"/scim/v2/ns/ws/Users/.search", true, route{workspace: nsws, resource: resourceUsers, id: ".search"}},
		{"/scim/v2/ns/ws/Users/a%40b", true, route{workspace: nsws, resource: resourceUsers, id: "a@b"}},
		{"/scim/v2/ns/ws/serviceproviderconfig", true, route{workspace: nsws, resource: resourceServiceProviderConfig}},
		{"/scim/v2/ns/ws/ServiceProviderConfigs", true, route{workspace: nsws, resource: resourceServiceProviderConfig}},
		{"/scim/v2/ns/ws/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", true,
			route{workspace: nsws, resource: resourceSchemas, id: "urn:ietf:params:scim:schemas:core:2.0:User"}},
		{"/scim/v2/ns/ws/ResourceTypes/User", true, route{workspace: nsws, resource: resourceResourceTypes, id: "User"}},
		// A Tenant URL pasted with a trailing slash: the client appends "/Users".
		{"/scim/v2/ns/ws//Users", true, route{workspace: nsws, resource: resourceUsers}},
		{"/scim/v2/ns/ws//Users//abc-1", true, route{workspace: nsws, resource: resourceUsers, id: "abc-1"}},
		{"/scim/v2/ns/ws", false, route{}},
		{"/scim/v2/ns/ws/", false, route{}},
		{"/scim/v2/ns/ws/Groups", true, route{workspace: nsws, resource: resourceGroups}},
		{"/scim/v2/ns/ws/Bulk", false, route{}},
		{"/scim/v2/ns/ws/Users/a/b", false, route{}},
		{"/scim/v2/ns/ws/ServiceProviderConfig/x", false, route{}},
		{"/scim/v2//ws/Users", false, route{}},
		{"/scim/Users", false, route{}},
		{"/other/v2/ns/ws/Users", false, route{}},
	}
	for _, tt := range tests {
		got, ok := parseRoute(tt.path)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseRoute(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
