package workspacedomain_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

func TestApproverMayApproveOwnDomainOnly(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	own, other := uniqueDomain("own"), uniqueDomain("other")
	createDomain(t, newDomain(own, identityv1alpha1.VerificationManual))
	createDomain(t, newDomain(other, identityv1alpha1.VerificationManual))
	alice := approverOf(t, "alice", own)

	g.Expect(approve(ctx, alice, own, "alice", "approved by alice: contract signed")).To(Succeed())
	got, err := getDomain(ctx, own)
	g.Expect(err).NotTo(HaveOccurred())
	verified := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)
	g.Expect(verified).NotTo(BeNil())
	g.Expect(verified.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(got.Status.ApprovedBy).To(Equal("alice"))
	g.Expect(got.Status.ApprovedAt).NotTo(BeNil())

	// With the example role, RBAC already keeps alice out of other domains' status.
	err = approve(ctx, alice, other, "alice", "approved by alice")
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "approving another domain: %v", err)

	// Someone who may write every domain's status (an editor) but holds
	// approve for one domain only is refused by the policy.
	ed := approverOf(t, "ed", own)
	g.Expect(testenv.BindClusterRoles(ctx, env.Client, "ed", editorRole)).To(Succeed())
	err = approve(ctx, ed, other, "ed", "approved by ed")
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "approving another domain with status rights: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("need verb approve on domains.identity.rollcall.dev for this domain"))
	got, err = getDomain(ctx, other)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeNil())

	// An approver of the domain may also take a decision back.
	g.Expect(approve(ctx, ed, own, "ed", "approved by ed: second opinion")).To(Succeed())
}

func TestApprovalMustNameTheApprover(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	domain := uniqueDomain("named")
	createDomain(t, newDomain(domain, identityv1alpha1.VerificationManual))
	bob := approverOf(t, "bob", domain)

	err := approve(ctx, bob, domain, "bob", "approved: looks fine")
	g.Expect(apierrors.IsInvalid(err) || apierrors.IsForbidden(err)).To(BeTrue(), "message without the approver: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("must name the approver"))

	err = approve(ctx, bob, domain, "mallory", "approved by bob for mallory")
	g.Expect(err).To(HaveOccurred(), "approvedBy naming someone else")
	g.Expect(err.Error()).To(ContainSubstring("status.approvedBy"))

	g.Expect(approve(ctx, bob, domain, "bob", "approved by bob")).To(Succeed())
}

func TestControllerAndSCIMServerCannotVerifyManualDomain(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	domain := uniqueDomain("manual")
	createDomain(t, newDomain(domain, identityv1alpha1.VerificationManual))

	controller := mustUserClient(t, controllerUser, "rollcall-manager")
	err := approve(ctx, controller, domain, controllerUser, "verified by "+controllerUser)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the controller verifying a Manual domain: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("may verify only domains whose method is DNS or Preapproved"))

	scim := mustUserClient(t, "scim-server", "rollcall-scim-server")
	err = approve(ctx, scim, domain, "scim-server", "verified by scim-server")
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the SCIM server verifying a domain: %v", err)

	// The SCIM server may claim a domain, unverified, but not declare one Preapproved.
	claim := newDomain(uniqueDomain("claim"), identityv1alpha1.VerificationManual)
	g.Expect(scim.Create(ctx, claim)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, claim) })
	err = scim.Create(ctx, newDomain(uniqueDomain("claim"), identityv1alpha1.VerificationPreapproved))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "the SCIM server declaring a Preapproved domain: %v", err)

	got, err := getDomain(ctx, domain)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeNil())
}

func TestApproverCannotDropTheControllersConditions(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startController(t, workspacedomain.DNSOptions{})
	domain := uniqueDomain("merge")
	createDomain(t, newDomain(domain, identityv1alpha1.VerificationManual))
	carol := approverOf(t, "carol", domain)

	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, domain)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionReady)).NotTo(BeNil())
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// A merge patch replaces the whole condition list: Ready would be lost.
	patch := []byte(`{"status":{"approvedBy":"carol","conditions":[{"type":"Verified","status":"True","reason":"Approved",` +
		`"message":"approved by carol","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`)
	err := carol.Status().Patch(ctx, &identityv1alpha1.WorkspaceDomain{ObjectMeta: metav1.ObjectMeta{Name: domain}},
		client.RawPatch(types.MergePatchType, patch))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "merge patch dropping Ready: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("they belong to the domain controller"))

	// Nor may an approver write Ready itself.
	ready := ac.WorkspaceDomainStatus().WithConditions(metav1ac.Condition().
		WithType(identityv1alpha1.ConditionReady).WithStatus(metav1.ConditionTrue).WithReason("Approved").
		WithMessage("by carol").WithLastTransitionTime(metav1.Now()))
	err = carol.Status().Apply(ctx, ac.WorkspaceDomain(domain).WithStatus(ready), client.FieldOwner("carol"), client.ForceOwnership)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "approver writing Ready: %v", err)

	// Server-side apply of Verified alone keeps the controller's conditions.
	g.Expect(approve(ctx, carol, domain, "carol", "approved by carol")).To(Succeed())
	got, err := getDomain(ctx, domain)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionReady)).NotTo(BeNil())
	g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeTrue())
}

func TestPreapprovedDomainNeedsApprove(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startController(t, workspacedomain.DNSOptions{})
	name := uniqueDomain("gitops")
	editor := mustUserClient(t, "platform-engineer", editorRole)

	err := editor.Create(ctx, newDomain(name, identityv1alpha1.VerificationPreapproved))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "Preapproved without approve: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("needs verb approve"))

	// Nor may a Manual claim be turned into a Preapproved one.
	manual := newDomain(name, identityv1alpha1.VerificationManual)
	g.Expect(editor.Create(ctx, manual)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, manual) })
	err = editor.Patch(ctx, manual, methodPatch(identityv1alpha1.VerificationPreapproved))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "changing the method to Preapproved without approve: %v", err)
	g.Expect(editor.Delete(ctx, manual)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Name: name}, &identityv1alpha1.WorkspaceDomain{}))
	}).WithTimeout(10 * time.Second).Should(BeTrue())

	// A GitOps identity holding approve (and the editor's rights) may.
	gitops := mustUserClient(t, "flux", editorRole, "rollcall-domain-approver")
	pre := newDomain(name, identityv1alpha1.VerificationPreapproved)
	g.Expect(gitops.Create(ctx, pre)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, pre) })

	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		verified := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)
		g.Expect(verified).NotTo(BeNil())
		g.Expect(verified.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(verified.Reason).To(Equal(identityv1alpha1.ReasonPreapproved))
		g.Expect(verified.Message).To(ContainSubstring(controllerUser))
		g.Expect(got.Status.ApprovedBy).To(Equal(controllerUser))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// Taking the pre-approval back is an approval decision too.
	err = editor.Patch(ctx, pre, methodPatch(identityv1alpha1.VerificationManual))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "changing the method from Preapproved without approve: %v", err)
}

// methodPatch is a merge patch that sets spec.verification.method.
func methodPatch(method identityv1alpha1.VerificationMethod) client.Patch {
	return client.RawPatch(types.MergePatchType, []byte(`{"spec":{"verification":{"method":"`+string(method)+`"}}}`))
}

func TestLeavingDNSWhileVerifiedNeedsApprove(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	name := uniqueDomain("leave-dns")
	d := newDomain(name, identityv1alpha1.VerificationDNS)
	createDomain(t, d)
	// The controller verifies a DNS domain when its record is found.
	controller := mustUserClient(t, controllerUser, "rollcall-manager")
	g.Expect(approve(ctx, controller, name, controllerUser, "verified by "+controllerUser+": the TXT record holds the challenge value")).To(Succeed())

	// Turning it into a Manual domain would keep Verified=True with no
	// record checked again and nobody holding approve having decided it.
	editor := mustUserClient(t, "dns-editor", editorRole)
	err := editor.Patch(ctx, d, methodPatch(identityv1alpha1.VerificationManual))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "leaving DNS while verified without approve: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("needs verb approve"))

	// An approver may: withdrawing a DNS domain by hand starts that way.
	approver := mustUserClient(t, "dns-approver", editorRole, "rollcall-domain-approver")
	g.Expect(approver.Patch(ctx, d, methodPatch(identityv1alpha1.VerificationManual))).To(Succeed())

	// A DNS domain that is not verified may change its method freely.
	pending := newDomain(uniqueDomain("pending-dns"), identityv1alpha1.VerificationDNS)
	createDomain(t, pending)
	g.Expect(editor.Patch(ctx, pending, methodPatch(identityv1alpha1.VerificationManual))).To(Succeed())
}
