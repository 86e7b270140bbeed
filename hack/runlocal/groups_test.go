package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// localGroup is a group provisioned over SCIM on the local stack.
type localGroup struct {
	url, token string
}

// provisionGroup does what Entra does for an assigned group whose users
// are held: two more users (with ada, three), a group POSTed with no
// members, the three added in one PATCH and cy removed in another, in
// Entra's default shapes. Nothing reaches the member store while the
// users' domain is not verified.
func provisionGroup(t *testing.T, tenantURL, token, adaID string, bin, state string) localGroup {
	t.Helper()
	g := NewWithT(t)
	ids := []string{adaID}
	for _, name := range []string{"bob", "cy"} {
		status, body := scimPost(t, tenantURL+"/Users", token, fmt.Sprintf(
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%[1]s@example.com","active":true,"emails":[{"value":"%[1]s@example.com","type":"work","primary":true}]}`, name))
		g.Expect(status).To(Equal(http.StatusCreated), body)
		ids = append(ids, scimID(t, body))
	}
	status, body := scimPost(t, tenantURL+"/Groups", token,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Engineering","meta":{"resourceType":"Group"}}`)
	g.Expect(status).To(Equal(http.StatusCreated), body)
	group := localGroup{url: tenantURL + "/Groups/" + scimID(t, body), token: token}

	status, body = scimSend(t, http.MethodPatch, group.url, token, fmt.Sprintf(
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":%q},{"$ref":null,"value":%q},{"$ref":null,"value":%q}]}]}`,
		ids[0], ids[1], ids[2]))
	g.Expect(status).To(Equal(http.StatusNoContent), body)
	status, body = scimSend(t, http.MethodPatch, group.url, token, fmt.Sprintf(
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":%q}]}]}`, ids[2]))
	g.Expect(status).To(Equal(http.StatusNoContent), body)

	status, body = scimGet(t, group.url, token)
	g.Expect(status).To(Equal(http.StatusOK), body)
	g.Expect(memberValues(t, body)).To(ConsistOf(ids[0], ids[1]))
	// The group reaches the store; its members wait for their domain.
	g.Eventually(func() string { return groupsInStore(t, bin, state) }).WithTimeout(30 * time.Second).
		Should(MatchRegexp(`Engineering +0 +\n`))
	return group
}

// expectMembershipsLetIn checks, after the domain is approved, that the
// store's group holds exactly the two remaining members; then deletes the
// group over SCIM and checks that its memberships are gone. The demo
// workspace's policy is Deactivate, which keeps the group's record, empty.
func expectMembershipsLetIn(t *testing.T, group localGroup, bin, state string) {
	t.Helper()
	g := NewWithT(t)
	g.Eventually(func() string { return groupsInStore(t, bin, state) }).WithTimeout(30 * time.Second).
		Should(MatchRegexp(`Engineering +2 +ada@example.com, bob@example.com\n`))
	status, body := scimSend(t, http.MethodDelete, group.url, group.token, "")
	g.Expect(status).To(Equal(http.StatusNoContent), body)
	g.Eventually(func() string { return groupsInStore(t, bin, state) }).WithTimeout(30 * time.Second).
		Should(MatchRegexp(`Engineering +0 +\n1 group\(s\)\n$`))
	status, _ = scimGet(t, group.url, group.token)
	g.Expect(status).To(Equal(http.StatusNotFound))
}

func groupsInStore(t *testing.T, bin, state string) string {
	t.Helper()
	return members(t, bin, state, "-groups")
}

func scimID(t *testing.T, body string) string {
	t.Helper()
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.ID == "" {
		t.Fatalf("no id in %s (%v)", body, err)
	}
	return r.ID
}

func memberValues(t *testing.T, body string) []string {
	t.Helper()
	var r struct {
		Members []struct {
			Value string `json:"value"`
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("group body %s: %v", body, err)
	}
	var out []string
	for _, m := range r.Members {
		out = append(out, m.Value)
	}
	return out
}
