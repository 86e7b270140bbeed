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
