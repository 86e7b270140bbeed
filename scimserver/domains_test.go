package scimserver_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

// claimDomain creates a WorkspaceDomain for a workspace, verified or not,
// and removes it when the test ends.
func claimDomain(t *testing.T, domain, namespace, workspace string, verified bool) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	wd := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: domain},
		Spec:       identityv1alpha1.WorkspaceDomainSpec{WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: namespace, Name: workspace}},
	}
	g.Expect(env.Client.Create(ctx, wd)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), wd) })
	if verified {
		// The admission policy wants the message to name the approver.
		approver, err := whoami.Username(ctx, env.Client)
		g.Expect(err).NotTo(HaveOccurred())
		wd.Status.Conditions = []metav1.Condition{{Type: identityv1alpha1.ConditionVerified, Status: metav1.ConditionTrue,
			Reason: identityv1alpha1.ReasonApproved, Message: "approved by " + approver, LastTransitionTime: metav1.Now(), ObservedGeneration: wd.Generation}}
		g.Expect(env.Client.Status().Update(ctx, wd)).To(Succeed())
	}
}

func TestRejectPolicyRefusesUnverifiedDomains(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r, func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.UnverifiedDomains = identityv1alpha1.UnverifiedDomainReject
	})
	suffix := tn.namespace + ".test"
	claimDomain(t, "verified."+suffix, tn.namespace, "acme", true)
	claimDomain(t, "pending."+suffix, tn.namespace, "acme", false)
	claimDomain(t, "theirs."+suffix, tn.namespace, "another-workspace", true)

	wait := func(address string, status int) response {
		var r response
		g.Eventually(func() int {
			r = tn.do("POST", "/Users", user(address))
			return r.status
		}).WithTimeout(5 * time.Second).Should(Equal(status))
		return r
	}
	wait("ada@verified."+suffix, http.StatusCreated)
	for _, domain := range []string{"pending." + suffix, "theirs." + suffix, "nobody." + suffix} {
		r := tn.do("POST", "/Users", user("bob@"+domain))
		g.Expect(r.status).To(Equal(http.StatusBadRequest), r.String())
		g.Expect(r.body["scimType"]).To(Equal("invalidValue"))
		g.Expect(r.body["detail"]).To(ContainSubstring(`"` + domain + `"`))
		g.Expect(r.body["detail"]).To(ContainSubstring("kubectl rollcall domain approve " + domain))
	}
	noAddress := tn.do("POST", "/Users", map[string]any{"userName": "Test_User_00aa"})
	g.Expect(noAddress.status).To(Equal(http.StatusBadRequest), noAddress.String())
	g.Expect(noAddress.body["detail"]).To(ContainSubstring("no e-mail address"))

	// Deactivating a user is never refused, even when its domain is no longer verified.
	created := tn.do("GET", filterPath(`userName eq "ada@verified.`+suffix+`"`), nil)
	id := ids(created)[0]
	deactivate := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": "False"}}})
	g.Expect(deactivate.status).To(Equal(http.StatusOK), deactivate.String())
}

func TestHoldPolicyStoresEveryUserAndClaimsUnknownDomains(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) { ws.Spec.SCIM.ClaimUnknownDomains = true })
	suffix := tn.namespace + ".test"
	claimDomain(t, "theirs."+suffix, tn.namespace, "another-workspace", false)
	g.Eventually(func() error {
		return env.Client.Get(ctx, types.NamespacedName{Name: "theirs." + suffix}, &identityv1alpha1.WorkspaceDomain{})
	}).Should(Succeed())

	for _, domain := range []string{"unknown." + suffix, "theirs." + suffix} {
		r := tn.do("POST", "/Users", user("carol@"+domain))
		g.Expect(r.status).To(Equal(http.StatusCreated), "Hold stores the user: %s", r)
	}
	claim := &identityv1alpha1.WorkspaceDomain{}
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Name: "unknown." + suffix}, claim)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), claim) })
	g.Expect(claim.Spec.WorkspaceRef).To(Equal(identityv1alpha1.NamespacedWorkspaceReference{Namespace: tn.namespace, Name: "acme"}))
	g.Expect(claim.Spec.Verification.Method).To(Equal(identityv1alpha1.VerificationManual))
	g.Expect(claim.Status.Conditions).To(BeEmpty(), "a claim is never verified by the SCIM server")

	theirs := &identityv1alpha1.WorkspaceDomain{}
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Name: "theirs." + suffix}, theirs)).To(Succeed())
	g.Expect(theirs.Spec.WorkspaceRef.Name).To(Equal("another-workspace"), "another workspace's claim is never taken over")

	// Without claimUnknownDomains nothing is claimed.
	quiet := newTenantIn(t, startReplica(t), tn.namespace, "quiet")
	g.Expect(quiet.do("POST", "/Users", user("dan@quiet."+suffix)).status).To(Equal(http.StatusCreated))
	err := env.Client.Get(ctx, types.NamespacedName{Name: "quiet." + suffix}, &identityv1alpha1.WorkspaceDomain{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "got %v", err)
}

// A write that deactivates a user is never refused by the Reject policy,
// even when the same request moves the user to a domain that is not
// verified: Entra ID sends every changed attribute of a cycle in one PATCH,
// and Okta deactivates with a PUT of the whole user, so refusing the request
// would leave an offboarded person active, retry after retry.
func TestRejectPolicyNeverRefusesADeactivation(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.UnverifiedDomains = identityv1alpha1.UnverifiedDomainReject
	})
	suffix := tn.namespace + ".test"
	claimDomain(t, "verified."+suffix, tn.namespace, "acme", true)
	create := func(address string) string {
		var r response
		g.Eventually(func() int {
			r = tn.do("POST", "/Users", user(address))
			return r.status
		}).WithTimeout(5 * time.Second).Should(Equal(http.StatusCreated))
		return r.body["id"].(string)
	}

	leaver := create("leaver@verified." + suffix)
	patch := tn.do("PATCH", "/Users/"+leaver, map[string]any{"Operations": []any{
		map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "leaver@elsewhere." + suffix},
		map[string]any{"op": "Replace", "path": "active", "value": "False"},
	}})
	g.Expect(patch.status).To(Equal(http.StatusOK), patch.String())
	g.Expect(tn.stored(leaver).IsActive()).To(BeFalse())

	okta := create("okta-leaver@verified." + suffix)
	body := user("okta-leaver@elsewhere." + suffix)
	body["active"] = false
	put := tn.do("PUT", "/Users/"+okta, body)
	g.Expect(put.status).To(Equal(http.StatusOK), put.String())
	g.Expect(tn.stored(okta).IsActive()).To(BeFalse())

	// Moving an active user to an unverified domain is still refused.
	stays := create("stays@verified." + suffix)
	move := tn.do("PATCH", "/Users/"+stays, map[string]any{"Operations": []any{
		map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "stays@elsewhere." + suffix},
	}})
	g.Expect(move.status).To(Equal(http.StatusBadRequest), move.String())
}

// Reactivating a user is checked like a change of domain: a user deactivated
// while it moved to an unverified domain is not let back in under Reject.
func TestRejectPolicyChecksAReactivation(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.UnverifiedDomains = identityv1alpha1.UnverifiedDomainReject
	})
	suffix := tn.namespace + ".test"
	claimDomain(t, "verified."+suffix, tn.namespace, "acme", true)
	var created response
	g.Eventually(func() int {
		created = tn.do("POST", "/Users", user("mover@verified."+suffix))
		return created.status
	}).WithTimeout(5 * time.Second).Should(Equal(http.StatusCreated))
	id := created.body["id"].(string)
	g.Expect(tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{
		map[string]any{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "mover@elsewhere." + suffix},
		map[string]any{"op": "Replace", "path": "active", "value": "False"},
	}}).status).To(Equal(http.StatusOK))

	again := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{
		map[string]any{"op": "Replace", "path": "active", "value": "True"},
	}})
	g.Expect(again.status).To(Equal(http.StatusBadRequest), again.String())
	g.Expect(again.body["detail"]).To(ContainSubstring(`"elsewhere.` + suffix + `"`))
	g.Expect(tn.stored(id).IsActive()).To(BeFalse())
}

// claimsOf are the WorkspaceDomains that claim the tenant's workspace, read
// from the API server; they are deleted when the test ends.
func claimsOf(t *testing.T, tn *tenant) []identityv1alpha1.WorkspaceDomain {
	t.Helper()
	list := &identityv1alpha1.WorkspaceDomainList{}
	if err := env.Client.List(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	var out []identityv1alpha1.WorkspaceDomain
	for _, d := range list.Items {
		if d.Spec.WorkspaceRef.Namespace == tn.namespace && d.Spec.WorkspaceRef.Name == tn.workspace.Name {
			out = append(out, d)
		}
	}
	return out
}

func deleteClaimsAtEnd(t *testing.T, tn *tenant) {
	t.Cleanup(func() {
		for _, d := range claimsOf(t, tn) {
			_ = env.Client.Delete(context.Background(), &d)
		}
	})
}

// withEmail is a user whose userName and primary e-mail differ.
func withEmail(userName, email string) map[string]any {
	u := user(userName)
	u["emails"] = []any{map[string]any{"primary": true, "type": "work", "value": email}}
	return u
}

// The Reject policy checks the same domains as the user gate: a userName
// that is an address in an unverified domain is refused even when the
// e-mail is in a verified one, by POST and by a rename.
func TestRejectPolicyChecksTheUserNameDomain(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.UnverifiedDomains = identityv1alpha1.UnverifiedDomainReject
		ws.Spec.SCIM.ClaimUnknownDomains = true
	})
	deleteClaimsAtEnd(t, tn)
	example, victim := "example."+tn.namespace+".test", "victim."+tn.namespace+".test"
	claimDomain(t, example, tn.namespace, "acme", true)

	var same response
	g.Eventually(func() int {
		same = tn.do("POST", "/Users", user("same@"+example))
		return same.status
	}).WithTimeout(5 * time.Second).Should(Equal(http.StatusCreated))
	plain := tn.do("POST", "/Users", withEmail("jdoe", "jdoe@"+example))
	g.Expect(plain.status).To(Equal(http.StatusCreated), "a userName that is no address is gated by its e-mail: %s", plain)

	r := tn.do("POST", "/Users", withEmail("ceo@"+victim, "intern@"+example))
	g.Expect(r.status).To(Equal(http.StatusBadRequest), r.String())
	g.Expect(r.body["scimType"]).To(Equal("invalidValue"))
	g.Expect(r.body["detail"]).To(ContainSubstring(`"` + victim + `"`))
	g.Expect(r.body["detail"]).To(ContainSubstring("kubectl rollcall domain approve " + victim))
	g.Expect(r.body["detail"]).NotTo(ContainSubstring("approve " + example))
	g.Expect(tn.do("GET", filterPath(`userName eq "ceo@`+victim+`"`), nil).body["totalResults"]).To(BeNumerically("==", 0))

	// Renaming a stored user into the unverified domain is refused too.
	rename := tn.do("PATCH", "/Users/"+same.body["id"].(string), map[string]any{"Operations": []any{
		map[string]any{"op": "replace", "path": "userName", "value": "ceo@" + victim},
	}})
	g.Expect(rename.status).To(Equal(http.StatusBadRequest), rename.String())
	g.Expect(rename.body["detail"]).To(ContainSubstring(`"` + victim + `"`))

	// Both unverified: both are named.
	both := tn.do("POST", "/Users", withEmail("ceo@"+victim, "ceo@other."+tn.namespace+".test"))
	g.Expect(both.status).To(Equal(http.StatusBadRequest), both.String())
	g.Expect(both.body["detail"]).To(And(ContainSubstring("approve "+victim), ContainSubstring("approve other."+tn.namespace+".test")))

	// Approving the userName's domain lets the same request through.
	claimDomain(t, victim, tn.namespace, "acme", true)
	g.Eventually(func() int {
		return tn.do("POST", "/Users", withEmail("ceo@"+victim, "intern@"+example)).status
	}).WithTimeout(5 * time.Second).Should(Equal(http.StatusCreated))
	g.Expect(claimsOf(t, tn)).To(HaveLen(2), "refused requests claim nothing; only the two domains claimed by hand")
}

// A refused request never claims a domain: under Reject with
// claimUnknownDomains, 120 POSTs of 120 unknown domains are all answered
// 400 and leave no WorkspaceDomain behind.
func TestRefusedRequestsClaimNothing(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.UnverifiedDomains = identityv1alpha1.UnverifiedDomainReject
		ws.Spec.SCIM.ClaimUnknownDomains = true
	})
	deleteClaimsAtEnd(t, tn)
	verified := "verified." + tn.namespace + ".test"
	claimDomain(t, verified, tn.namespace, "acme", true)
	g.Eventually(func() int {
		return tn.do("POST", "/Users", user("first@"+verified)).status
	}).WithTimeout(5 * time.Second).Should(Equal(http.StatusCreated))

	for i := range 120 {
		body := user(fmt.Sprintf("u%d@squat-%d.%s.test", i, i, tn.namespace))
		if i%2 == 1 { // a verified e-mail does not carry an unknown userName domain in
			body = withEmail(fmt.Sprintf("u%d@squat-%d.%s.test", i, i, tn.namespace), fmt.Sprintf("u%d@%s", i, verified))
		}
		r := tn.do("POST", "/Users", body)
		g.Expect(r.status).To(Equal(http.StatusBadRequest), r.String())
	}
	g.Consistently(func() int { return len(claimsOf(t, tn)) }).WithTimeout(time.Second).Should(Equal(1), "only the claim made by hand")
}

// Under Hold the SCIM server claims at most 20 unknown domains per
// workspace that wait for an approver; the users past it are still stored.
// Verifying a pending claim makes room for another.
func TestHoldPolicyCapsPendingClaims(t *testing.T) {
	g := NewWithT(t)
	const maxPending = 20 // scimserver.maxPendingClaims
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) { ws.Spec.SCIM.ClaimUnknownDomains = true })
	deleteClaimsAtEnd(t, tn)
	for i := range maxPending + 5 {
		r := tn.do("POST", "/Users", user(fmt.Sprintf("u%d@d%d.%s.test", i, i, tn.namespace)))
		g.Expect(r.status).To(Equal(http.StatusCreated), "Hold stores the user past the cap: %s", r)
	}
	claims := claimsOf(t, tn)
	g.Expect(claims).To(HaveLen(maxPending))
	for _, c := range claims {
		g.Expect(c.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "rollcall-scim-server"))
		g.Expect(c.Status.Conditions).To(BeEmpty(), "a claim is never verified by the SCIM server")
	}
	g.Consistently(func() int { return len(claimsOf(t, tn)) }).WithTimeout(time.Second).Should(Equal(maxPending))

	// An approval takes a claim out of the pending ones: one more unknown domain is claimed.
	approver, err := whoami.Username(context.Background(), env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	approved := claims[0]
	approved.Status.Conditions = []metav1.Condition{{Type: identityv1alpha1.ConditionVerified, Status: metav1.ConditionTrue,
		Reason: identityv1alpha1.ReasonApproved, Message: "approved by " + approver, LastTransitionTime: metav1.Now(), ObservedGeneration: approved.Generation}}
	g.Expect(env.Client.Status().Update(context.Background(), &approved)).To(Succeed())
	g.Eventually(func() int {
		r := tn.do("POST", "/Users", user(fmt.Sprintf("late-%d@late.%s.test", time.Now().UnixNano(), tn.namespace)))
		g.Expect(r.status).To(Equal(http.StatusCreated))
		return len(claimsOf(t, tn))
	}).WithTimeout(5 * time.Second).Should(Equal(maxPending + 1))
}

// Public mail domains (and single labels) are never claimed on their own.
func TestPublicMailDomainsAreNeverClaimed(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) { ws.Spec.SCIM.ClaimUnknownDomains = true })
	deleteClaimsAtEnd(t, tn)
	for _, body := range []map[string]any{
		user("someone." + tn.namespace + "@gmail.com"),
		withEmail("other."+tn.namespace+"@GMail.com", "other."+tn.namespace+"@outlook.com"),
		user("root." + tn.namespace + "@localhost"),
	} {
		r := tn.do("POST", "/Users", body)
		g.Expect(r.status).To(Equal(http.StatusCreated), "Hold still stores the user: %s", r)
	}
	for _, domain := range []string{"gmail.com", "outlook.com", "localhost"} {
		err := env.Client.Get(ctx, types.NamespacedName{Name: domain}, &identityv1alpha1.WorkspaceDomain{})
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%s: got %v", domain, err)
	}
	g.Expect(claimsOf(t, tn)).To(BeEmpty())
}
