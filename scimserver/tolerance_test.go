package scimserver_test

import (
	"context"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// What widely used clients send beyond RFC 7644, each as the literal
// request with the answer Rollcall gives.

// An attribute no schema declares (a mapping typo, an undeclared extension)
// does not stop the user under unknownAttributes Ignore, the default: the
// user is provisioned without it and carries its name for the Workspace's
// status. Reject keeps the 400.
func TestUnknownAttributesIgnoredOrRejected(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r)

	created := tn.do("POST", "/Users", user("typo@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	// Entra ID after a GET: the whole user again, with the admin's mapping typo.
	put := tn.do("PUT", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"typo@example.com",
		"adreses":[{"type":"work","streetAddress":"1 Main St"}],
		"urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"costCode":"X1"}}`)
	g.Expect(put.status).To(Equal(http.StatusOK), put.String())
	g.Expect(put.body).NotTo(HaveKey("adreses"))
	stored := tn.stored(id)
	g.Expect(stored.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationIgnoredAttributes,
		"adreses,urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode"))
	// A PATCH adds what it drops; an unchanged user is still written once to record it.
	patched := tn.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"Replace","path":"favouriteColour","value":"blue"}]}`)
	g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
	g.Expect(tn.stored(id).Annotations[identityv1alpha1.AnnotationIgnoredAttributes]).To(
		Equal("adreses,favouriteColour,urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode"))
	g.Expect(tn.stored(id).Generation).To(Equal(stored.Generation), "the spec did not change")
	g.Expect(ignoredCount(g, tn.namespace+"/acme")).To(BeNumerically("==", 3), "two names in the PUT, one in the PATCH")
	// The mapping is fixed: the next PUT clears the names.
	clean := tn.do("PUT", "/Users/"+id, `{"userName":"typo@example.com"}`)
	g.Expect(clean.status).To(Equal(http.StatusOK), clean.String())
	g.Expect(tn.stored(id).Annotations[identityv1alpha1.AnnotationIgnoredAttributes]).To(BeEmpty())

	strict := newTenant(t, r, func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.UnknownAttributes = identityv1alpha1.UnknownAttributesReject
	})
	body := user("typo@example.com")
	body["adreses"] = []any{map[string]any{"streetAddress": "1 Main St"}}
	refused := strict.do("POST", "/Users", body)
	g.Expect(refused.status).To(Equal(http.StatusBadRequest), refused.String())
	g.Expect(refused.body["scimType"]).To(Equal("invalidValue"))
	g.Expect(refused.body["detail"]).To(ContainSubstring(`unknown attribute "adreses"`))
	g.Expect(refused.body["detail"]).To(ContainSubstring(`did you mean "addresses"?`))
	ext := strict.do("POST", "/Users", `{"userName":"ext@example.com","urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"costCode":"X1"}}`)
	g.Expect(ext.status).To(Equal(http.StatusBadRequest), ext.String())
	g.Expect(ext.body["detail"]).To(ContainSubstring("spec.scim.schemaExtensions"))
	g.Expect(strict.do("GET", "/Users", nil).body["totalResults"]).To(BeNumerically("==", 0))
}

// ignoredCount is rollcall_scim_ignored_attributes_total of a workspace.
func ignoredCount(g Gomega, workspace string) float64 {
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != "rollcall_scim_ignored_attributes_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelsOf(m)["workspace"] == workspace {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestClientTolerance(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	body := user("Olga@example.com")
	body["name"] = map[string]any{"givenName": "Olga", "familyName": "Employee"}
	// RFC 7643 §2.4: duplicate values are one value.
	body["emails"] = []any{
		map[string]any{"type": "work", "value": "Olga@example.com"},
		map[string]any{"type": "work", "value": "olga@example.com", "primary": true},
	}
	created := tn.do("POST", "/Users", body)
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	g.Expect(created.body["emails"]).To(Equal([]any{map[string]any{"type": "work", "value": "Olga@example.com", "primary": true}}))
	id := created.body["id"].(string)
	g.Expect(tn.stored(id).Spec.Emails).To(HaveLen(1))
	patched := tn.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"add","path":"emails","value":[{"type":"work","value":"OLGA@example.com"},{"type":"work","value":"olga@example.com"}]}]}`)
	g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
	g.Expect(patched.body["emails"]).To(HaveLen(1))

	for _, tt := range []struct {
		name, path string
		status     int
		scimType   string
		results    int
	}{
		{"sub-filtered attributes", `/Users?attributes=emails[type+eq+"work"]`, http.StatusOK, "", 1},
		{"sub-filtered attributes, escaped", `/Users?attributes=emails%5Btype%20eq%20%22work%22%5D.value&excludedAttributes=name`, http.StatusOK, "", 1},
		{"unquoted string", `/Users?filter=userName+sw+O`, http.StatusOK, "", 1},
		{"unquoted string in a sub-attribute", `/Users?filter=name.familyName+eq+Employee`, http.StatusOK, "", 1},
		{"unquoted dateTime", `/Users?filter=meta.created+gt+2015-10-10T14:38:21.8617979-07:00`, http.StatusOK, "", 1},
		{"unquoted keyword", `/Users?filter=userName+eq+and`, http.StatusBadRequest, "invalidFilter", 0},
		{"unquoted non-time", `/Users?filter=meta.created+gt+yesterday`, http.StatusBadRequest, "invalidFilter", 0},
		{"unquoted boolean", `/Users?filter=active+eq+yes`, http.StatusBadRequest, "invalidFilter", 0},
		{"service provider config, SCIM 1.1 name", `/ServiceProviderConfigs`, http.StatusOK, "", -1},
		{"service provider config, serviceConfiguration", `/serviceConfiguration`, http.StatusOK, "", -1},
	} {
		got := tn.do("GET", tt.path, nil)
		g.Expect(got.status).To(Equal(tt.status), "%s: GET %s: %s", tt.name, tt.path, got)
		if tt.scimType != "" {
			g.Expect(got.body["scimType"]).To(Equal(tt.scimType), tt.name)
		}
		if tt.results >= 0 && tt.status == http.StatusOK {
			g.Expect(got.body["totalResults"]).To(BeNumerically("==", tt.results), "%s: %s", tt.name, got)
		}
		if tt.results < 0 {
			g.Expect(got.body["schemas"]).To(ContainElement("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"), tt.name)
		}
	}
	sel := tn.do("GET", `/Users/`+id+`?attributes=emails[type+eq+"work"]`, nil)
	g.Expect(sel.body).To(HaveKey("emails"))
	g.Expect(sel.body).NotTo(HaveKey("userName"))

	// Invalid UTF-8 (a Latin-1 "é") is refused, not stored as U+FFFD.
	for _, method := range []string{"POST", "PUT", "PATCH"} {
		path, raw := "/Users", []byte("{\"userName\":\"ren\xe9@example.com\"}")
		if method != "POST" {
			path = "/Users/" + id
		}
		if method == "PATCH" {
			raw = []byte("{\"Operations\":[{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Ren\xe9\"}]}")
		}
		got := tn.do(method, path, raw)
		g.Expect(got.status).To(Equal(http.StatusBadRequest), "%s: %s", method, got)
		g.Expect(got.body["scimType"]).To(Equal("invalidSyntax"), method)
		g.Expect(got.body["detail"]).To(ContainSubstring("not valid UTF-8"), method)
	}
	list := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(tn.namespace))).To(Succeed())
	g.Expect(list.Items).To(HaveLen(1))
	g.Expect(list.Items[0].Spec.DisplayName).To(BeEmpty())
}
