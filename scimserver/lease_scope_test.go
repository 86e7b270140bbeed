package scimserver_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// TestLeasesOtherThanUserNameClaimsAreOutOfReach: the SCIM server faces the
// internet and needs Leases in every namespace for its userName and group
// displayName claims. Its
// role must not let it create, change or delete any other Lease: node
// heartbeats in kube-node-lease, the leader election of kube-scheduler,
// kube-controller-manager or the Rollcall controllers.
func TestLeasesOtherThanUserNameClaimsAreOutOfReach(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	identity := asSCIMServer(t, "rollcall-scim-lease-scope")
	scim, err := client.New(identity.Config(), client.Options{Scheme: env.Scheme})
	g.Expect(err).NotTo(HaveOccurred())

	ns := testenv.NewNamespace(t, env.Client)
	holder := "kube-scheduler-1"
	leader := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kube-scheduler"},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder},
	}
	g.Expect(env.Client.Create(ctx, leader)).To(Succeed())
	key := types.NamespacedName{Namespace: ns, Name: leader.Name}

	forbidden := func(err error) bool { return apierrors.IsForbidden(err) || apierrors.IsInvalid(err) }
	takeOver := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"holderIdentity":"mallory"}}`))
	// A new role binding takes a moment to be in force, and so does a new
	// admission policy: probe with dry runs, first that the identity may
	// write a claim (its role is in force), then that it may not delete
	// another Lease, which its role allows and only the policy refuses (a
	// patch would not do: the role grants none, so RBAC refuses it first).
	probe := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scim-username-0123456789abcdef",
		Labels: map[string]string{store.LabelClaim: "userName"}}, Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder}}
	g.Eventually(func() error {
		return scim.Create(ctx, probe.DeepCopy(), client.DryRunAll)
	}).WithTimeout(time.Minute).Should(Succeed(), "the SCIM server's role is not in force")
	g.Eventually(func() error {
		return scim.Delete(ctx, leader.DeepCopy(), client.DryRunAll)
	}).WithTimeout(time.Minute).Should(Satisfy(forbidden), "the SCIM server may delete another component's leader election")
	g.Expect(scim.Patch(ctx, leader.DeepCopy(), takeOver)).To(Satisfy(forbidden))
	got := &coordinationv1.Lease{}
	g.Expect(env.Client.Get(ctx, key, got)).To(Succeed())
	g.Expect(*got.Spec.HolderIdentity).To(Equal(holder))

	// Labelling a Lease as a claim does not make it one.
	g.Expect(scim.Patch(ctx, leader.DeepCopy(), client.RawPatch(types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"`+store.LabelClaim+`":"userName"}},"spec":{"holderIdentity":"mallory"}}`)))).To(Satisfy(forbidden))
	g.Expect(scim.Delete(ctx, leader.DeepCopy())).To(Satisfy(forbidden))
	g.Expect(env.Client.Get(ctx, key, got)).To(Succeed())

	foreign := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rollcall-leader"}}
	g.Expect(scim.Create(ctx, foreign)).To(Satisfy(forbidden))

	// Group displayName claims are claims too: named scim-groupname-<hash>
	// and labelled; the name alone is not enough.
	claim := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scim-groupname-0123456789abcdef",
		Labels: map[string]string{store.LabelClaim: "displayName"}}, Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder}}
	g.Expect(scim.Create(ctx, claim)).To(Succeed())
	g.Expect(scim.Delete(ctx, claim)).To(Succeed())
	unlabelled := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scim-groupname-fedcba9876543210"}}
	g.Expect(scim.Create(ctx, unlabelled)).To(Satisfy(forbidden))
}
