package workspaceuser_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

func TestUserGate(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	b := opener.backend(ns, "acme")

	// A user of a verified domain goes in; the ones of an unverified domain are held.
	claimDomain(t, "open.example", ws, true)
	insider := newUser(t, ns, "insider", "acme", "insider@open.example")
	var held []*identityv1alpha1.WorkspaceUser
	for i := range 3 {
		held = append(held, newUser(t, ns, fmt.Sprintf("held-%d", i), "acme", fmt.Sprintf("p%d@Gate.Example", i)))
	}
	waitSynced(t, insider)
	for _, u := range held {
		g.Eventually(func(g Gomega) {
			got := getUser(g, u)
			dv := condition(got, identityv1alpha1.ConditionDomainVerified)
			g.Expect(dv.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(dv.Reason).To(Equal(identityv1alpha1.ReasonDomainNotVerified))
			g.Expect(dv.Message).To(And(ContainSubstring("gate.example"), ContainSubstring("kubectl rollcall domain approve gate.example")))
			g.Expect(got.Status.Domain).To(Equal("gate.example"))
			g.Expect(got.Status.MemberKey).To(BeEmpty())
			g.Expect(condition(got, identityv1alpha1.ConditionReady).Reason).To(Equal(identityv1alpha1.ReasonDomainNotVerified))
		}).WithTimeout(timeout).Should(Succeed())
	}
	g.Expect(b.Members()).To(HaveLen(1), "held users send nothing to the backend")
	// Held users are only asked about: a member under their key, written
	// just before the operator stopped and not yet on record, is deactivated.
	g.Expect(b.Calls(fake.OpUpsert)).To(Equal(1), "only the insider was written")

	// An unverified claim still holds them.
	domain := claimDomain(t, "gate.example", ws, false)
	g.Consistently(func() int { return len(b.Members()) }).WithTimeout(2 * time.Second).Should(Equal(1))

	// Approval releases every held user (a watch, not a poll: the resync is an hour).
	setVerified(t, domain, metav1.ConditionTrue, identityv1alpha1.ReasonApproved)
	keys := map[string]bool{}
	for _, u := range held {
		got := waitSynced(t, u)
		g.Expect(condition(got, identityv1alpha1.ConditionDomainVerified).Status).To(Equal(metav1.ConditionTrue))
		keys[got.Status.MemberKey] = true
	}
	g.Expect(b.Members()).To(HaveLen(4))

	// Revoking deactivates them, and only them.
	setVerified(t, domain, metav1.ConditionFalse, identityv1alpha1.ReasonRevoked)
	g.Eventually(func(g Gomega) {
		for _, m := range b.Members() {
			g.Expect(m.Active).To(Equal(!keys[m.Key]), "member %s", m.UserName)
		}
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(b.Members()).To(HaveLen(4), "revoking deactivates, never deletes")
	for _, u := range held {
		g.Eventually(func(g Gomega) {
			got := getUser(g, u)
			g.Expect(condition(got, identityv1alpha1.ConditionDomainVerified).Reason).To(Equal(identityv1alpha1.ReasonDomainNotVerified))
			g.Expect(condition(got, identityv1alpha1.ConditionDomainVerified).Message).To(ContainSubstring("Revoked"))
		}).WithTimeout(timeout).Should(Succeed())
	}

	// Verifying again reactivates them.
	setVerified(t, domain, metav1.ConditionTrue, identityv1alpha1.ReasonApproved)
	g.Eventually(func(g Gomega) {
		for _, m := range b.Members() {
			g.Expect(m.Active).To(BeTrue(), "member %s", m.UserName)
		}
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(b.Created()).To(Equal(4))
}

func TestDomainOfAnotherWorkspaceHolds(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	newWorkspace(t, ns, "acme")
	other := newWorkspace(t, ns, "other")
	claimDomain(t, "elsewhere.example", other, true)
	u := newUser(t, ns, "mallory", "acme", "mallory@elsewhere.example")
	g.Eventually(func(g Gomega) {
		dv := condition(getUser(g, u), identityv1alpha1.ConditionDomainVerified)
		g.Expect(dv.Reason).To(Equal(identityv1alpha1.ReasonDomainNotVerified))
		g.Expect(dv.Message).To(ContainSubstring("claimed by workspace " + ns + "/other"))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(opener.backend(ns, "acme").Members()).To(BeEmpty())
}

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

// An approver's long message on a refused domain (conditions allow 32768
// characters) still lets the held users record why they are held.
func TestLongApproverMessageStillHoldsVisibly(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	d := claimDomain(t, "verbose.example", ws, false)
	approver, err := whoami.Username(ctx, env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		cur := &identityv1alpha1.WorkspaceDomain{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(d), cur)).To(Succeed())
		msg := "denied by " + approver + ": "
		meta.SetStatusCondition(&cur.Status.Conditions, metav1.Condition{
			Type: identityv1alpha1.ConditionVerified, Status: metav1.ConditionFalse, Reason: identityv1alpha1.ReasonDenied,
			Message: msg + strings.Repeat("x", 32768-len(msg)), ObservedGeneration: cur.Generation,
		})
		g.Expect(env.Client.Status().Update(ctx, cur)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())

	u := newUser(t, ns, "verbose", "acme", "v@verbose.example")
	g.Eventually(func(g Gomega) {
		dv := condition(getUser(g, u), identityv1alpha1.ConditionDomainVerified)
		g.Expect(dv.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(dv.Message).To(ContainSubstring("Denied"))
		g.Expect(dv.Message).To(ContainSubstring("kubectl rollcall domain approve verbose.example"))
	}).WithTimeout(timeout).Should(Succeed())
}

// The gate checks the sign-in name as well as the e-mail: a userName that
// is an address in another domain than a verified e-mail is held until
// that domain is verified too, and nothing reaches the backend meanwhile.
func TestUserNameDomainIsGatedToo(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	b := opener.backend(ns, "acme")
	example, victim := "example."+ns+".test", "victim."+ns+".test"
	claimDomain(t, example, ws, true)

	ceo := newUser(t, ns, "ceo", "acme", "intern@"+example, func(u *identityv1alpha1.WorkspaceUser) {
		u.Spec.UserName = "ceo@" + victim
	})
	g.Eventually(func(g Gomega) {
		got := getUser(g, ceo)
		dv := condition(got, identityv1alpha1.ConditionDomainVerified)
		g.Expect(dv.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(dv.Reason).To(Equal(identityv1alpha1.ReasonDomainNotVerified))
		g.Expect(dv.Message).To(ContainSubstring("domain " + victim + " is not claimed"))
		g.Expect(dv.Message).To(ContainSubstring("kubectl rollcall domain approve " + victim))
		g.Expect(dv.Message).NotTo(ContainSubstring("approve "+example), "a verified domain is not named as waiting")
		g.Expect(got.Status.Domain).To(Equal(example + ", " + victim))
		g.Expect(got.Status.MemberKey).To(BeEmpty())
	}).WithTimeout(timeout).Should(Succeed())
	g.Consistently(func() int { return len(b.Members()) }).WithTimeout(2 * time.Second).Should(BeZero())
	g.Expect(b.Calls(fake.OpUpsert)).To(BeZero(), "nothing reaches the backend")

	// Users whose userName and e-mail are in the verified domain, or whose
	// userName is no address, are let in as before.
	same := newUser(t, ns, "same", "acme", "same@"+example)
	plain := newUser(t, ns, "plain", "acme", "plain@"+example, func(u *identityv1alpha1.WorkspaceUser) { u.Spec.UserName = "jdoe" })
	g.Expect(waitSynced(t, same).Status.Domain).To(Equal(example))
	g.Expect(waitSynced(t, plain).Status.Domain).To(Equal(example))

	// Approving the userName's domain lets the user in (a watch on either domain wakes it).
	victimClaim := claimDomain(t, victim, ws, true)
	got := waitSynced(t, ceo)
	g.Expect(condition(got, identityv1alpha1.ConditionDomainVerified).Message).To(
		ContainSubstring("domains " + example + ", " + victim + " are verified"))
	m := memberOf(g, b, got.Status.MemberKey)
	g.Expect(m.UserName).To(Equal("ceo@" + victim))
	g.Expect(m.Email).To(Equal("intern@" + example))
	g.Expect(m.Active).To(BeTrue())

	// Revoking the userName's domain deactivates the member, and only that one.
	setVerified(t, victimClaim, metav1.ConditionFalse, identityv1alpha1.ReasonRevoked)
	g.Eventually(func(g Gomega) {
		g.Expect(memberOf(g, b, got.Status.MemberKey).Active).To(BeFalse())
		dv := condition(getUser(g, ceo), identityv1alpha1.ConditionDomainVerified)
		g.Expect(dv.Message).To(And(ContainSubstring(victim+" is not verified (Revoked"), ContainSubstring("approve "+victim)))
	}).WithTimeout(timeout).Should(Succeed())
	for _, u := range []*identityv1alpha1.WorkspaceUser{same, plain} {
		g.Expect(memberOf(g, b, getUser(g, u).Status.MemberKey).Active).To(BeTrue())
	}
}

// When neither domain is verified the condition names both, each with the
// command that verifies it.
func TestEveryUnverifiedDomainIsNamed(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	mail, login := "mail."+ns+".test", "login."+ns+".test"
	claimDomain(t, mail, ws, false)
	u := newUser(t, ns, "both", "acme", "p@"+mail, func(u *identityv1alpha1.WorkspaceUser) { u.Spec.UserName = "p@" + login })
	g.Eventually(func(g Gomega) {
		dv := condition(getUser(g, u), identityv1alpha1.ConditionDomainVerified)
		g.Expect(dv.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(dv.Message).To(And(
			ContainSubstring("domain "+mail+" waits for an approver"), ContainSubstring("approve "+mail),
			ContainSubstring("domain "+login+" is not claimed"), ContainSubstring("approve "+login)))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(opener.backend(ns, "acme").Members()).To(BeEmpty())
}
