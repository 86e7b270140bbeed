package workspaceuser_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

func memberOf(g Gomega, b *fake.Backend, key string) backend.Member {
	m, ok := b.Member(key)
	g.Expect(ok).To(BeTrue(), "member %s is not in the backend", key)
	return m
}

func TestMemberFollowsTheUser(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "lifecycle.example", ws, true)
	b := opener.backend(ns, "acme")

	u := newUser(t, ns, "ada", "acme", "ada@lifecycle.example")
	got := waitSynced(t, u)
	key := ns + ":acme:" + string(got.UID)
	g.Expect(got.Status.MemberKey).To(Equal(key))
	g.Expect(got.Status.Domain).To(Equal("lifecycle.example"))
	g.Expect(got.Status.LastSyncTime).NotTo(BeNil())
	g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
	g.Expect(condition(got, identityv1alpha1.ConditionDomainVerified).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(condition(got, identityv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(got.Finalizers).To(ContainElement(identityv1alpha1.MemberFinalizer))
	m := memberOf(g, b, key)
	g.Expect(m).To(MatchFields(IgnoreExtras, Fields{
		"UserName": Equal("ada@lifecycle.example"), "ExternalID": Equal("ext-ada"), "DisplayName": Equal("User ada"),
		"GivenName": Equal("Given ada"), "FamilyName": Equal("Family"), "Email": Equal("ada@lifecycle.example"), "Active": BeTrue(),
	}))
	g.Expect(string(m.Profile)).To(ContainSubstring(`"userName":"ada@lifecycle.example"`))

	// A change reaches the backend.
	update(t, u, func(u *identityv1alpha1.WorkspaceUser) { u.Spec.DisplayName = "Ada Lovelace" })
	g.Eventually(func(g Gomega) {
		g.Expect(memberOf(g, b, key).DisplayName).To(Equal("Ada Lovelace"))
	}).WithTimeout(timeout).Should(Succeed())
	waitSynced(t, u)

	// active=false deactivates.
	update(t, u, func(u *identityv1alpha1.WorkspaceUser) { u.Spec.Active = new(false) })
	g.Eventually(func(g Gomega) {
		g.Expect(memberOf(g, b, key).Active).To(BeFalse())
	}).WithTimeout(timeout).Should(Succeed())
	waitSynced(t, u)
	g.Expect(b.Created()).To(Equal(1), "one member, however many changes")

	// Deletion deactivates (the default policy) and lets the user go.
	g.Expect(env.Client.Delete(ctx, u)).To(Succeed())
	g.Eventually(func(g Gomega) { gone(g, u) }).WithTimeout(timeout).Should(Succeed())
	g.Expect(memberOf(g, b, key).Active).To(BeFalse())
	g.Expect(b.Calls(fake.OpDelete)).To(BeZero())
}

func TestDeprovisioningPolicies(t *testing.T) {
	opener := &fakeOpener{}
	startController(t, opener)
	for _, c := range []struct {
		policy     identityv1alpha1.DeprovisioningPolicy
		wantFound  bool
		wantActive bool
	}{
		{identityv1alpha1.DeprovisionDeactivate, true, false},
		{identityv1alpha1.DeprovisionDelete, false, false},
		{identityv1alpha1.DeprovisionRetain, true, true},
	} {
		t.Run(string(c.policy), func(t *testing.T) {
			g := NewWithT(t)
			ns := testenv.NewNamespace(t, env.Client)
			ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) { w.Spec.Deprovisioning = c.policy })
			domain := "policy-" + strings.ToLower(string(c.policy)) + ".example"
			claimDomain(t, domain, ws, true)
			u := newUser(t, ns, "grace", "acme", "grace@"+domain)
			key := waitSynced(t, u).Status.MemberKey
			b := opener.backend(ns, "acme")
			g.Expect(env.Client.Delete(context.Background(), u)).To(Succeed())
			g.Eventually(func(g Gomega) { gone(g, u) }).WithTimeout(timeout).Should(Succeed())
			m, found := b.Member(key)
			g.Expect(found).To(Equal(c.wantFound))
			g.Expect(m.Active).To(Equal(c.wantActive))
		})
	}
}

func TestBackendDownThenRecovers(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "down.example", ws, true)
	b := opener.backend(ns, "acme")
	b.SetDown(true)

	u := newUser(t, ns, "alan", "acme", "alan@down.example")
	g.Eventually(func(g Gomega) {
		got := getUser(g, u)
		c := condition(got, identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonBackendUnavailable))
		g.Expect(condition(got, identityv1alpha1.ConditionReady).Reason).To(Equal(identityv1alpha1.ReasonBackendUnavailable))
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func() int { return b.Calls(fake.OpObserve) }).WithTimeout(timeout).Should(BeNumerically(">=", 2), "retried with backoff")

	b.SetDown(false)
	got := waitSynced(t, u)
	g.Expect(b.Members()).To(HaveLen(1))
	g.Expect(b.Created()).To(Equal(1), "no duplicate after the retries")
	g.Expect(b.Members()[0].Key).To(Equal(got.Status.MemberKey))
}

func TestInvalidCredentialsIsTerminal(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "creds.example", ws, true)
	b := opener.backend(ns, "acme")
	b.SetInvalidCredentials(true)

	u := newUser(t, ns, "eve", "acme", "eve@creds.example")
	g.Eventually(func(g Gomega) {
		c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonInvalidCredentials))
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
	}).WithTimeout(timeout).Should(Succeed())
	calls := b.Calls(fake.OpObserve)
	g.Consistently(func() int { return b.Calls(fake.OpObserve) }).WithTimeout(3*time.Second).Should(Equal(calls),
		"a permanent error is not retried in a loop")
}

func TestResyncRepairsDrift(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) {
		w.Spec.ResyncInterval = &metav1.Duration{Duration: time.Second}
	})
	claimDomain(t, "drift.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "linus", "acme", "linus@drift.example")
	key := waitSynced(t, u).Status.MemberKey
	want := memberOf(g, b, key)

	// The application changes the member behind the operator's back...
	changed := want
	changed.DisplayName, changed.Active = "someone else", false
	b.Put(changed)
	g.Eventually(func(g Gomega) {
		g.Expect(backend.Equal(memberOf(g, b, key), want)).To(BeTrue())
	}).WithTimeout(timeout).Should(Succeed())

	// ...or deletes it.
	b.Remove(key)
	g.Eventually(func(g Gomega) {
		g.Expect(backend.Equal(memberOf(g, b, key), want)).To(BeTrue())
	}).WithTimeout(timeout).Should(Succeed())
}

func TestResyncAnnotationForcesASync(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme") // resync every hour: only the annotation brings it back
	claimDomain(t, "annotation.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "barbara", "acme", "barbara@annotation.example")
	key := waitSynced(t, u).Status.MemberKey

	b.Remove(key)
	update(t, u, func(u *identityv1alpha1.WorkspaceUser) {
		u.Annotations[identityv1alpha1.AnnotationResync] = "1"
	})
	g.Eventually(func(g Gomega) { memberOf(g, b, key) }).WithTimeout(timeout).Should(Succeed())

	b.Remove(key)
	update(t, u, func(u *identityv1alpha1.WorkspaceUser) {
		u.Annotations[identityv1alpha1.AnnotationResync] = "2"
	})
	g.Eventually(func(g Gomega) { memberOf(g, b, key) }).WithTimeout(timeout).Should(Succeed())
}

func TestFinalizerReleasedWhenWorkspaceIsGone(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "orphan.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "ken", "acme", "ken@orphan.example")
	key := waitSynced(t, u).Status.MemberKey

	g.Expect(env.Client.Delete(ctx, ws)).To(Succeed())
	g.Eventually(func(g Gomega) {
		c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonWorkspaceNotFound))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(env.Client.Delete(ctx, u)).To(Succeed())
	g.Eventually(func(g Gomega) { gone(g, u) }).WithTimeout(timeout).Should(Succeed())
	m := memberOf(g, b, key)
	g.Expect(m.Active).To(BeTrue(), "without its workspace the member is left as it was")
	expectEvent(t, ns, "ken", corev1.EventTypeWarning, workspaceuser.ReasonFinalizerReleased)
}
