package scimserver_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

func ids(r response) []string {
	var out []string
	for _, res := range r.body["Resources"].([]any) {
		out = append(out, res.(map[string]any)["id"].(string))
	}
	return out
}

func TestListsPageSortAndProject(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	var created []string
	for i := 0; i < 11; i++ {
		u := user(fmt.Sprintf("user%02d@example.com", i))
		u["displayName"] = fmt.Sprintf("Person %02d", 10-i)
		r := tn.do("POST", "/Users", u)
		g.Expect(r.status).To(Equal(http.StatusCreated))
		created = append(created, r.body["id"].(string))
	}

	// Entra's validator walks pages of 5 and checks the startIndex echo;
	// the order is stable across pages.
	var walked []string
	for start := 1; start <= 11; start += 5 {
		r := tn.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=5", start), nil)
		g.Expect(r.status).To(Equal(http.StatusOK))
		g.Expect(r.body["startIndex"]).To(BeNumerically("==", start))
		g.Expect(r.body["totalResults"]).To(BeNumerically("==", 11))
		g.Expect(r.body["itemsPerPage"]).To(BeNumerically("==", len(r.body["Resources"].([]any))))
		walked = append(walked, ids(r)...)
	}
	g.Expect(walked).To(ConsistOf(created), "each user on exactly one page")
	all := tn.do("GET", "/users?count=1000", nil)
	g.Expect(ids(all)).To(Equal(walked), "the same order in pages and in one list (by creation, then id); "+
		"a count over the maximum is cut, not refused; paths are case-insensitive")

	zero := tn.do("GET", "/Users?count=0", nil)
	g.Expect(zero.body["totalResults"]).To(BeNumerically("==", 11))
	g.Expect(zero.body["Resources"]).To(BeEmpty())
	g.Expect(string(zero.raw)).To(ContainSubstring(`"Resources":[]`))
	past := tn.do("GET", "/Users?startIndex=50", nil)
	g.Expect(past.body["Resources"]).To(BeEmpty())
	g.Expect(past.body["startIndex"]).To(BeNumerically("==", 50))

	sorted := tn.do("GET", "/Users?sortBy=displayName&count=3", nil)
	g.Expect(ids(sorted)).To(Equal([]string{created[10], created[9], created[8]}))
	desc := tn.do("GET", "/Users?sortBy=userName&sortOrder=descending&count=2", nil)
	g.Expect(ids(desc)).To(Equal([]string{created[10], created[9]}))

	only := tn.do("GET", "/Users?attributes=userName,name.givenName&count=1", nil)
	res := only.body["Resources"].([]any)[0].(map[string]any)
	g.Expect(res).To(HaveLen(4), "%v", res)
	g.Expect(res).To(HaveKey("id"))
	g.Expect(res).To(HaveKey("schemas"))
	g.Expect(res["id"]).To(Equal(walked[0]))
	g.Expect(res["userName"]).To(MatchRegexp(`^user\d\d@example.com$`))
	g.Expect(res["name"]).To(Equal(map[string]any{"givenName": "Given"}))

	without := tn.do("GET", "/Users/"+created[0]+"?excludedAttributes=emails,meta", nil)
	g.Expect(without.body).NotTo(HaveKey("emails"))
	g.Expect(without.body).NotTo(HaveKey("meta"))
	g.Expect(without.body).To(HaveKey("userName"))

	search := tn.do("POST", "/Users/.search", map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"},
		"filter":     `userName eq "USER03@example.com"`,
		"attributes": []string{"userName"},
	})
	g.Expect(search.status).To(Equal(http.StatusOK), search.String())
	g.Expect(ids(search)).To(Equal([]string{created[3]}))

	byEmail := tn.do("GET", filterPath(`emails.value eq "User04@Example.com"`)+"&unknownParameter=1", nil)
	g.Expect(ids(byEmail)).To(Equal([]string{created[4]}), "e-mails are case-insensitive; unknown parameters are ignored")
	byID := tn.do("GET", filterPath(`id eq "`+created[5]+`"`), nil)
	g.Expect(ids(byID)).To(Equal([]string{created[5]}))
	scan := tn.do("GET", filterPath(`displayName eq "person 01"`), nil)
	g.Expect(ids(scan)).To(Equal([]string{created[9]}), "a filter on an attribute without index is matched too")
}

func TestDiscoveryTellsTheTruth(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	spc := tn.do("GET", "/ServiceProviderConfig", nil)
	g.Expect(spc.status).To(Equal(http.StatusOK))
	g.Expect(spc.body["patch"]).To(HaveKeyWithValue("supported", true))
	g.Expect(spc.body["bulk"]).To(HaveKeyWithValue("supported", false))
	g.Expect(spc.body["filter"]).To(HaveKeyWithValue("supported", true))
	g.Expect(spc.body["filter"]).To(HaveKeyWithValue("maxResults", BeNumerically("==", 200)))
	g.Expect(spc.body["etag"]).To(HaveKeyWithValue("supported", true))
	g.Expect(spc.body["sort"]).To(HaveKeyWithValue("supported", true))
	g.Expect(spc.body["changePassword"]).To(HaveKeyWithValue("supported", false))
	g.Expect(spc.body["authenticationSchemes"].([]any)[0]).To(HaveKeyWithValue("type", "oauthbearertoken"))

	rt := tn.do("GET", "/ResourceTypes", nil)
	g.Expect(rt.body["totalResults"]).To(BeNumerically("==", 2))
	user := rt.body["Resources"].([]any)[0].(map[string]any)
	g.Expect(user["endpoint"]).To(Equal("/Users"))
	g.Expect(user["schema"]).To(Equal(urnUser))
	g.Expect(user["schemaExtensions"]).To(ConsistOf(HaveKeyWithValue("schema", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")))
	g.Expect(tn.do("GET", "/resourcetypes/User", nil).body["id"]).To(Equal("User"))

	schemas := tn.do("GET", "/Schemas", nil)
	g.Expect(schemas.status).To(Equal(http.StatusOK))
	var schemaIDs []any
	for _, s := range schemas.body["Resources"].([]any) {
		schemaIDs = append(schemaIDs, s.(map[string]any)["id"])
	}
	g.Expect(schemaIDs).To(ContainElements(urnUser, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"))
	g.Expect(tn.do("GET", "/Schemas/"+urnUser, nil).body["id"]).To(Equal(urnUser))
}

// Lists of one replica follow writes made elsewhere (another replica,
// kubectl) once its cache has them.
func TestListFollowsWritesOfOthers(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	onA := newTenant(t, a)
	onB := onA.on(b)
	g.Eventually(func() int { return onB.do("GET", "/Users", nil).status }).Should(Equal(http.StatusOK))
	first := onA.do("POST", "/Users", user("first@example.com")).body["id"].(string)
	g.Expect(ids(onA.do("GET", "/Users", nil))).To(Equal([]string{first}))

	second := onB.do("POST", "/Users", user("second@example.com")).body["id"].(string)
	g.Eventually(func() []string { return ids(onA.do("GET", "/Users", nil)) }).WithTimeout(5 * time.Second).Should(ConsistOf(first, second))

	u := onA.stored(first)
	u.Spec.DisplayName = "Edited by hand"
	g.Expect(env.Client.Update(context.Background(), u)).To(Succeed())
	g.Eventually(func() any {
		return onA.do("GET", "/Users?attributes=displayName&filter="+urlQueryEscape(`displayName eq "Edited by hand"`), nil).body["totalResults"]
	}).WithTimeout(5 * time.Second).Should(BeNumerically("==", 1))

	g.Expect(onB.do("DELETE", "/Users/"+second, nil).status).To(Equal(http.StatusNoContent))
	g.Eventually(func() []string { return ids(onA.do("GET", "/Users", nil)) }).WithTimeout(5 * time.Second).Should(Equal([]string{first}))
}

// attributes, excludedAttributes and sortBy name attributes of the User
// schema; anything else is 400 invalidValue naming it, never ignored.
func TestUnknownAttributePathsInQueries(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	created := tn.do("POST", "/Users", user("paths@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	for _, path := range []string{
		"/Users/" + id + "?attributes=favouriteColour",
		"/Users?excludedAttributes=emails.nosuch",
		"/Users?sortBy=favouriteColour",
	} {
		r := tn.do("GET", path, nil)
		g.Expect(r.status).To(Equal(http.StatusBadRequest), "%s: %s", path, r)
		g.Expect(r.body["scimType"]).To(Equal("invalidValue"), path)
		g.Expect(r.body["detail"]).To(Or(ContainSubstring("favouriteColour"), ContainSubstring("emails.nosuch")), path)
	}
	ok := tn.do("GET", "/Users?sortBy=urn:ietf:params:scim:schemas:core:2.0:User:userName&attributes=userName", nil)
	g.Expect(ok.status).To(Equal(http.StatusOK), ok.String())
}
