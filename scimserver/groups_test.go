package scimserver_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// TestGroupLifecycle: create with and without members, read, list by
// filters, patch members and displayName, read your writes, delete.
func TestGroupLifecycle(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	u1 := tn.do("POST", "/Users", user("ada@"+tn.namespace+".test")).body["id"].(string)
	u2 := tn.do("POST", "/Users", user("bob@"+tn.namespace+".test")).body["id"].(string)

	empty := tn.do("POST", "/Groups", group("Engineering"))
	g.Expect(empty.status).To(Equal(http.StatusCreated), empty.String())
	g.Expect(empty.raw).To(ContainSubstring(`"members":[]`))
	gid := empty.body["id"].(string)
	g.Expect(empty.header.Get("Location")).To(HaveSuffix("/Groups/" + gid))

	withExternal := group("Sales", u1, u2)
	withExternal["externalId"] = "okta-00g1"
	full := tn.do("POST", "/Groups", withExternal)
	g.Expect(full.status).To(Equal(http.StatusCreated), full.String())
	g.Expect(full.body["members"]).To(HaveLen(2))
	sid := full.body["id"].(string)

	g.Expect(tn.do("POST", "/Groups", group("SALES")).status).To(Equal(http.StatusConflict))
	r0 := tn.do("GET", "/Groups?filter="+urlQueryEscape(`externalId eq "okta-00g1"`), nil)
	g.Expect(r0.body["totalResults"]).To(BeNumerically("==", 1), r0.String())
	g.Expect(r0.body["Resources"].([]any)[0].(map[string]any)["id"]).To(Equal(full.body["id"]))

	r := tn.do("PATCH", "/Groups/"+gid, membersOp("Add", u1, u2))
	g.Expect(r.status).To(Equal(http.StatusNoContent), r.String())
	r = tn.do("GET", "/Groups/"+gid, nil)
	g.Expect(r.body["members"]).To(HaveLen(2), r.String())
	g.Expect(r.header.Get("ETag")).To(Equal(r.body["meta"].(map[string]any)["version"]))

	r = tn.do("GET", "/Groups?filter="+urlQueryEscape(`id eq "`+gid+`" and members eq "`+u1+`"`)+"&excludedAttributes=members", nil)
	g.Expect(r.body["totalResults"]).To(BeNumerically("==", 1), r.String())
	g.Expect(r.body["Resources"].([]any)[0]).NotTo(HaveKey("members"))
	r = tn.do("GET", "/Groups?filter="+urlQueryEscape(`members[value eq "`+u2+`"]`), nil)
	g.Expect(r.body["totalResults"]).To(BeNumerically("==", 2), r.String())

	r = tn.do("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{
		map[string]any{"op": "remove", "path": `members[value eq "` + u1 + `"]`},
		map[string]any{"op": "Replace", "path": "displayName", "value": "Engineering 2"},
	}})
	g.Expect(r.status).To(Equal(http.StatusNoContent), r.String())
	members, _ := tn.storedMembers(gid)
	g.Expect(members).To(Equal([]string{u2}))
	g.Expect(tn.storedGroup(gid).Spec.DisplayName).To(Equal("Engineering 2"))

	r = tn.do("GET", "/Groups?filter="+urlQueryEscape(`displayName eq "engineering 2"`), nil)
	g.Expect(r.body["totalResults"]).To(BeNumerically("==", 1), r.String())

	// A user's groups.
	r = tn.do("GET", "/Users/"+u2, nil)
	g.Expect(r.body["groups"]).To(HaveLen(2), r.String())

	// Deleting a user takes it out of its groups.
	g.Expect(tn.do("DELETE", "/Users/"+u2, nil).status).To(Equal(http.StatusNoContent))
	members, _ = tn.storedMembers(sid)
	g.Expect(members).To(Equal([]string{u1}))

	// A member whose user goes outside SCIM is not shown, nor matched.
	u3 := tn.do("POST", "/Users", user("cy@"+tn.namespace+".test")).body["id"].(string)
	g.Expect(tn.do("PATCH", "/Groups/"+sid, membersOp("add", u3)).status).To(Equal(http.StatusNoContent))
	g.Expect(env.Client.Delete(context.Background(), tn.stored(u3))).To(Succeed())
	g.Eventually(func() []any {
		members, _ := tn.do("GET", "/Groups/"+sid, nil).body["members"].([]any)
		return members
	}).Should(HaveLen(1))
	g.Expect(tn.do("GET", "/Groups?filter="+urlQueryEscape(`members[value eq "`+u3+`"]`), nil).body["totalResults"]).To(BeNumerically("==", 0))

	// Paging: stable order, integer totals.
	for i := 0; i < 3; i++ {
		g.Expect(tn.do("POST", "/Groups", group(fmt.Sprintf("Page %d", i))).status).To(Equal(http.StatusCreated))
	}
	walk := func() []string {
		var seen []string
		for start := 1; start <= 5; start += 2 {
			page := tn.do("GET", fmt.Sprintf("/Groups?startIndex=%d&count=2&excludedAttributes=members", start), nil)
			g.Expect(page.raw).To(ContainSubstring(`"totalResults":5`))
			for _, r := range page.body["Resources"].([]any) {
				seen = append(seen, r.(map[string]any)["id"].(string))
			}
		}
		return seen
	}
	first := walk()
	g.Expect(first).To(HaveLen(5))
	g.Expect(first).To(ContainElements(gid, sid))
	g.Expect(walk()).To(Equal(first), "the order is stable across walks")

	// DELETE: 204; the group waits for the group controller (its finalizer,
	// set at create) and is gone for SCIM at once.
	g.Expect(tn.storedGroup(gid).Finalizers).To(ContainElement(identityv1alpha1.GroupFinalizer))
	g.Expect(tn.do("DELETE", "/Groups/"+gid, nil).status).To(Equal(http.StatusNoContent))
	g.Expect(tn.do("GET", "/Groups/"+gid, nil).status).To(Equal(http.StatusNotFound))
	g.Expect(tn.storedGroup(gid).DeletionTimestamp).NotTo(BeNil())
	g.Expect(tn.do("POST", "/Groups", group("Engineering 2")).status).To(Equal(http.StatusCreated), "the displayName is free again")
}
