package scimserver_test

import (
	"testing"

	. "github.com/onsi/gomega"
)

// TestGroupSearch: POST /Groups/.search (RFC 7644 3.4.3) answers what the
// same query as a GET answers, and refuses a bad filter the same way.
func TestGroupSearch(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	created := tn.do("POST", "/Users", user("ada@example.com"))
	g.Expect(created.status).To(Equal(201), created.String())
	ada := created.body["id"].(string)
	tn.waitForUsers(t, []string{ada})
	var ids []string
	for _, name := range []string{"Engineering", "Ops"} {
		r := tn.do("POST", "/Groups", group(name, ada))
		g.Expect(r.status).To(Equal(201), r.String())
		ids = append(ids, r.body["id"].(string))
	}
	g.Eventually(func() int { return tn.do("GET", "/Groups/"+ids[1], nil).status }).Should(Equal(200))

	search := func(body map[string]any) response {
		return tn.do("POST", "/Groups/.search", withSchema(body))
	}
	// Entra's lookup by displayName, members left out.
	byName := search(map[string]any{"filter": `displayName eq "Engineering"`, "excludedAttributes": "members"})
	g.Expect(byName.status).To(Equal(200), byName.String())
	g.Expect(byName.raw).To(MatchJSON(tn.do("GET", `/Groups?filter=displayName+eq+%22Engineering%22&excludedAttributes=members`, nil).raw))
	g.Expect(byName.body["totalResults"]).To(BeNumerically("==", 1))
	first := byName.body["Resources"].([]any)[0].(map[string]any)
	g.Expect(first).To(HaveKeyWithValue("id", ids[0]))
	g.Expect(first).NotTo(HaveKey("members"))

	// Paging, sorting and attributes from the body.
	page := search(map[string]any{"sortBy": "displayName", "sortOrder": "descending", "startIndex": 2, "count": 1,
		"attributes": []string{"displayName", "members"}})
	g.Expect(page.status).To(Equal(200), page.String())
	g.Expect(page.body["totalResults"]).To(BeNumerically("==", 2))
	only := page.body["Resources"].([]any)
	g.Expect(only).To(HaveLen(1))
	g.Expect(only[0]).To(HaveKeyWithValue("displayName", "Engineering"))
	g.Expect(only[0]).To(HaveKeyWithValue("members", ContainElement(HaveKeyWithValue("value", ada))))

	bad := search(map[string]any{"filter": `displayName eq`})
	g.Expect(bad.status).To(Equal(400), bad.String())
	g.Expect(bad.body).To(HaveKeyWithValue("scimType", "invalidFilter"))
}

func withSchema(body map[string]any) map[string]any {
	body["schemas"] = []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}
	return body
}
