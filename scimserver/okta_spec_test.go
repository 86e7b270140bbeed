package scimserver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	. "github.com/onsi/gomega"
)

const (
	urnListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	urnError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	urnUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
)

// TestOktaSCIM20SpecTest ports Okta's "SCIM 2.0 SPEC Test" (the Runscope
// suite Okta runs before an integration is listed), step by step, with its
// headers: Accept and Content-Type application/scim+json; charset=utf-8,
// and application/json on the create.
func TestOktaSCIM20SpecTest(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	okta := []string{"Accept", "application/scim+json", "User-Agent", "Okta SCIM Client 1.0.0"}

	// The suite expects the server to hold at least one user already.
	seed := tn.do("POST", "/Users", user("existing.user@atko.com"))
	g.Expect(seed.status).To(Equal(http.StatusCreated), seed.String())

	// 1. GET /Users?count=1&startIndex=1: a non-empty page with integer paging fields.
	r := tn.do("GET", "/Users?count=1&startIndex=1", nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.body["schemas"]).To(ContainElement(urnListResponse))
	g.Expect(r.body["itemsPerPage"]).To(BeNumerically("==", 1))
	g.Expect(r.body["startIndex"]).To(BeNumerically("==", 1))
	g.Expect(r.body["totalResults"]).To(BeNumerically(">=", 1))
	g.Expect(r.raw).To(ContainSubstring(`"totalResults":1`), "integers, not strings")
	resources := r.body["Resources"].([]any)
	g.Expect(resources).To(HaveLen(1))
	first := resources[0].(map[string]any)
	firstID := first["id"].(string)
	expectOktaUserFields(g, first)

	// 2. GET /Users/{first id}.
	r = tn.do("GET", "/Users/"+firstID, nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.body["id"]).To(Equal(firstID))
	expectOktaUserFields(g, r.body)

	// 3. A userName nobody has: an empty list.
	r = tn.do("GET", filterPath(`userName eq "abcdefgh@atko.com"`), nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.body["schemas"]).To(ContainElement(urnListResponse))
	g.Expect(r.body["totalResults"]).To(BeNumerically("==", 0))

	// 4. An unknown id: 404 in the Error schema with a detail.
	r = tn.do("GET", "/Users/010101001010101011001010101011", nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusNotFound), r.String())
	g.Expect(r.body["schemas"]).To(ContainElement(urnError))
	g.Expect(r.body["detail"]).NotTo(BeEmpty())

	// 5. A random userName: an empty list.
	random := strings.ReplaceAll(uuid.NewString(), "-", "") + "@atko.com"
	r = tn.do("GET", filterPath(`userName eq "`+random+`"`), nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.body["totalResults"]).To(BeNumerically("==", 0))

	// 6. Create, with Content-Type application/json.
	create := map[string]any{
		"schemas":     []string{urnUser},
		"userName":    random,
		"name":        map[string]any{"givenName": "Okta", "familyName": "Tester"},
		"emails":      []any{map[string]any{"primary": true, "value": random, "type": "work"}},
		"displayName": "Okta Tester",
		"active":      true,
	}
	r = tn.do("POST", "/Users", create, append(okta, "Content-Type", "application/json")...)
	g.Expect(r.status).To(Equal(http.StatusCreated), r.String())
	g.Expect(r.body["active"]).To(BeTrue())
	g.Expect(r.body["id"]).NotTo(BeEmpty())
	g.Expect(r.body["name"]).To(HaveKeyWithValue("givenName", "Okta"))
	g.Expect(r.body["name"]).To(HaveKeyWithValue("familyName", "Tester"))
	g.Expect(r.body["schemas"]).To(ContainElement(urnUser))
	g.Expect(r.body["userName"]).To(Equal(random))
	created := r.body
	id := created["id"].(string)

	// 7. Read it back: the same fields.
	r = tn.do("GET", "/Users/"+id, nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	for _, field := range []string{"id", "userName", "name", "emails", "active", "displayName"} {
		g.Expect(r.body[field]).To(Equal(created[field]), field)
	}

	// 8. The same userName again: 409.
	r = tn.do("POST", "/Users", create, append(okta, "Content-Type", "application/json; charset=utf-8")...)
	g.Expect(r.status).To(Equal(http.StatusConflict), r.String())
	g.Expect(r.body["scimType"]).To(Equal("uniqueness"))

	// 9. The userName upper-cased: 200, and it finds the user (caseExact false).
	r = tn.do("GET", filterPath(`userName eq "`+strings.ToUpper(random)+`"`), nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.body["totalResults"]).To(BeNumerically("==", 1))
	g.Expect(r.body["Resources"].([]any)[0].(map[string]any)["id"]).To(Equal(id))

	// 10. GET /Groups (optional in the suite): 200 in time, a Resources
	// array and, the script asserts, at least one group.
	pushed := tn.do("POST", "/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "displayName": "Okta Spec Group", "members": []any{}})
	g.Expect(pushed.status).To(Equal(http.StatusCreated), pushed.String())
	began := time.Now()
	r = tn.do("GET", "/Groups", nil, okta...)
	g.Expect(time.Since(began)).To(BeNumerically("<", 600*time.Millisecond))
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.body["schemas"]).To(ContainElement(urnListResponse))
	g.Expect(r.body["totalResults"]).To(BeNumerically(">=", 1))
	g.Expect(r.body["Resources"]).To(BeAssignableToTypeOf([]any{}))
	g.Expect(r.body["Resources"]).NotTo(BeEmpty())

	// 11. A wrong Authorization header: 401 with status "401".
	r = tn.doWith("", "GET", filterPath(`userName eq "`+random+`"`), nil, append(okta, "Authorization", "non-token")...)
	g.Expect(r.status).To(Equal(http.StatusUnauthorized), r.String())
	g.Expect(r.body["schemas"]).To(ContainElement(urnError))
	g.Expect(r.body["status"]).To(Equal("401"))
	g.Expect(r.body["detail"]).NotTo(BeEmpty())

	// 12. Another unknown id: 404 with status "404".
	r = tn.do("GET", "/Users/00919288221112222", nil, okta...)
	g.Expect(r.status).To(Equal(http.StatusNotFound), r.String())
	g.Expect(r.body["schemas"]).To(ContainElement(urnError))
	g.Expect(r.body["status"]).To(Equal("404"))
	g.Expect(r.body["detail"]).NotTo(BeEmpty())
}

func expectOktaUserFields(g Gomega, u map[string]any) {
	g.Expect(u["userName"]).NotTo(BeEmpty())
	g.Expect(u).To(HaveKey("active"))
	g.Expect(u["name"]).To(HaveKey("familyName"))
	g.Expect(u["name"]).To(HaveKey("givenName"))
	g.Expect(u["emails"].([]any)[0]).To(HaveKey("value"))
}
