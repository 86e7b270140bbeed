package scimserver_test

import (
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// Entra ID's form of a custom extension (an admin extends the target schema
// with urn:ietf:params:scim:schemas:extension:<name>:2.0:User:<attribute>)
// and Okta's (a custom app-user attribute with an external namespace).
const (
	urnEntra = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
	urnOkta  = "urn:ietf:params:scim:schemas:extension:custom:2.0:User"
)

func withExtensions(ws *identityv1alpha1.Workspace) {
	ws.Spec.SCIM.SchemaExtensions = []identityv1alpha1.SchemaExtension{{
		URN: urnEntra, Description: "Entra ID custom extension attributes",
		Attributes: []identityv1alpha1.ExtensionAttribute{
			{Name: "costCenterCode", CaseExact: true, Description: "The cost centre code."},
			{Name: "badgeNumber", Type: identityv1alpha1.ExtensionInteger},
			{Name: "remoteWorker", Type: identityv1alpha1.ExtensionBoolean},
			{Name: "hireDate", Type: identityv1alpha1.ExtensionDateTime},
			{Name: "tags", MultiValued: true},
		},
	}, {
		URN:        urnOkta,
		Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "custom_attr_1"}},
	}}
}

// A declared extension round-trips: POST, PATCH in its three path forms,
// PUT, GET and filter, stored in the WorkspaceUser's spec.extensions.
func TestDeclaredExtensionRoundTrips(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), withExtensions)

	// Discovery serves the extensions.
	schemas := tn.do("GET", "/Schemas", nil)
	g.Expect(schemas.status).To(Equal(http.StatusOK))
	g.Expect(schemas.body["totalResults"]).To(BeNumerically("==", 5), "User, the enterprise extension, the two declared ones and Group")
	one := tn.do("GET", "/Schemas/"+urnEntra, nil)
	g.Expect(one.status).To(Equal(http.StatusOK), one.String())
	g.Expect(one.raw).To(ContainSubstring(`"name":"badgeNumber","type":"integer","multiValued":false`))
	g.Expect(one.raw).To(ContainSubstring(`"name":"tags","type":"string","multiValued":true`))
	rt := tn.do("GET", "/ResourceTypes/User", nil)
	g.Expect(rt.raw).To(ContainSubstring(`{"schema":"` + urnEntra + `","required":false}`))
	g.Expect(rt.raw).To(ContainSubstring(`{"schema":"` + urnOkta + `","required":false}`))

	// POST as Entra ID sends it (strings for every type, a URN-qualified key)
	// and Okta (an object under its namespace).
	created := tn.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+urnEntra+`"],
		"userName":"ext@example.com","active":true,
		"`+urnEntra+`":{"costCenterCode":"CC-1","badgeNumber":"4711","remoteWorker":"True","tags":["a","b","a"]},
		"`+urnEntra+`:hireDate":"2024-03-01T09:00:00Z",
		"`+urnOkta+`":{"custom_attr_1":"okta value"}}`)
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	g.Expect(created.body["schemas"]).To(ConsistOf("urn:ietf:params:scim:schemas:core:2.0:User", urnEntra, urnOkta))
	g.Expect(created.body[urnEntra]).To(Equal(map[string]any{"costCenterCode": "CC-1", "badgeNumber": 4711.0,
		"remoteWorker": true, "hireDate": "2024-03-01T09:00:00Z", "tags": []any{"a", "b"}}))
	stored := tn.stored(id)
	g.Expect(string(stored.Spec.Extensions[urnEntra]["badgeNumber"].Raw)).To(Equal("4711"))
	g.Expect(string(stored.Spec.Extensions[urnEntra]["tags"].Raw)).To(Equal(`["a","b"]`))
	g.Expect(string(stored.Spec.Extensions[urnOkta]["custom_attr_1"].Raw)).To(Equal(`"okta value"`))

	// PATCH: a URN-qualified path, a path-less value with URN keys, and the
	// schema URN as the path.
	patched := tn.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"`+urnEntra+`:costCenterCode","value":"CC-2"},
		{"op":"Replace","value":{"`+urnEntra+`:badgeNumber":"42","displayName":"Ext"}},
		{"op":"Add","path":"`+urnEntra+`","value":{"remoteWorker":"False","tags":["c","A"]}},
		{"op":"Remove","path":"`+urnEntra+`:hireDate"}]}`)
	g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
	g.Expect(patched.body[urnEntra]).To(Equal(map[string]any{"costCenterCode": "CC-2", "badgeNumber": 42.0,
		"remoteWorker": false, "tags": []any{"a", "b", "c"}}), "add appends to a multi-valued attribute; A is a")
	g.Expect(patched.body["displayName"]).To(Equal("Ext"))

	// A wrong type is refused, naming the attribute.
	bad := tn.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","path":"`+urnEntra+`:badgeNumber","value":"forty-two"}]}`)
	g.Expect(bad.status).To(Equal(http.StatusBadRequest), bad.String())
	g.Expect(bad.body["scimType"]).To(Equal("invalidValue"))
	g.Expect(bad.body["detail"]).To(ContainSubstring("badgeNumber must be an integer"))
	long := tn.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","path":"`+urnOkta+`:custom_attr_1","value":"`+strings.Repeat("x", 3000)+`"}]}`)
	g.Expect(long.status).To(Equal(http.StatusBadRequest), long.String())
	g.Expect(long.body["detail"]).To(ContainSubstring("longer than 2048 bytes"))

	// PUT replaces the whole user, extensions too.
	put := tn.do("PUT", "/Users/"+id, `{"userName":"ext@example.com",
		"`+urnEntra+`":{"costCenterCode":"CC-3","badgeNumber":7}}`)
	g.Expect(put.status).To(Equal(http.StatusOK), put.String())
	g.Expect(put.body[urnEntra]).To(Equal(map[string]any{"costCenterCode": "CC-3", "badgeNumber": 7.0}))
	g.Expect(put.body).NotTo(HaveKey(urnOkta))
	g.Expect(put.body["schemas"]).To(ConsistOf("urn:ietf:params:scim:schemas:core:2.0:User", urnEntra))

	got := tn.do("GET", "/Users/"+id, nil)
	g.Expect(got.body[urnEntra]).To(Equal(put.body[urnEntra]))
	sel := tn.do("GET", "/Users/"+id+"?attributes="+urlQueryEscape(urnEntra+":badgeNumber"), nil)
	g.Expect(sel.body).To(HaveKeyWithValue(urnEntra, map[string]any{"badgeNumber": 7.0}))
	g.Expect(sel.body).NotTo(HaveKey("userName"))

	// Filters compare by the declared type and case-exactness.
	other := tn.do("POST", "/Users", `{"userName":"other@example.com","`+urnEntra+`":{"costCenterCode":"cc-3","badgeNumber":70}}`)
	g.Expect(other.status).To(Equal(http.StatusCreated), other.String())
	for filter, want := range map[string][]string{
		urnEntra + `:costCenterCode eq "CC-3"`: {"ext@example.com"},
		urnEntra + `:costCenterCode eq "cc-3"`: {"other@example.com"},
		urnEntra + `:badgeNumber gt 10`:        {"other@example.com"},
		urnEntra + `:badgeNumber pr`:           {"ext@example.com", "other@example.com"},
		`urn:ietf:params:scim:schemas:extension:customextensionname:2.0:user:badgeNumber eq 7`: {"ext@example.com"},
	} {
		list := tn.do("GET", filterPath(filter), nil)
		g.Expect(list.status).To(Equal(http.StatusOK), "%s: %s", filter, list)
		var names []string
		for _, r := range list.body["Resources"].([]any) {
			names = append(names, r.(map[string]any)["userName"].(string))
		}
		g.Expect(names).To(ConsistOf(want), filter)
	}
}

// A required attribute of an extension must be sent.
func TestRequiredExtensionAttribute(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.SchemaExtensions = []identityv1alpha1.SchemaExtension{{URN: urnOkta,
			Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "region", Required: true}}}}
	})
	missing := tn.do("POST", "/Users", user("req@example.com"))
	g.Expect(missing.status).To(Equal(http.StatusBadRequest), missing.String())
	g.Expect(missing.body["detail"]).To(ContainSubstring(urnOkta + ":region: is required"))
	body := user("req@example.com")
	body[urnOkta] = map[string]any{"region": "EU"}
	g.Expect(tn.do("POST", "/Users", body).status).To(Equal(http.StatusCreated))
}
