package workspaceuser_test

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// A person whose address moves to a domain that is not verified is held
// again and their member deactivated (not deleted); verifying the new
// domain brings the same member back with the new address.
func TestAddressMovesToAnUnverifiedDomain(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "before.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "joan", "acme", "joan@before.example")
	key := waitSynced(t, u).Status.MemberKey

	update(t, u, func(u *identityv1alpha1.WorkspaceUser) {
		u.Spec.UserName = "joan@after.example"
		u.Spec.Emails[0].Value = "joan@after.example"
	})
	g.Eventually(func(g Gomega) {
		got := getUser(g, u)
		g.Expect(got.Status.Domain).To(Equal("after.example"))
		dv := condition(got, identityv1alpha1.ConditionDomainVerified)
		g.Expect(dv.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(dv.ObservedGeneration).To(Equal(got.Generation))
		g.Expect(memberOf(g, b, key).Active).To(BeFalse())
	}).WithTimeout(timeout).Should(Succeed())

	after := claimDomain(t, "after.example", ws, false)
	setVerified(t, after, metav1.ConditionTrue, identityv1alpha1.ReasonApproved)
	waitSynced(t, u)
	m := memberOf(g, b, key)
	g.Expect(m.Active).To(BeTrue())
	g.Expect(m.Email).To(Equal("joan@after.example"))
	g.Expect(b.Created()).To(Equal(1), "the same member throughout")
}
