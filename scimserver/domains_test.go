package scimserver_test

import (
	"context"
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
