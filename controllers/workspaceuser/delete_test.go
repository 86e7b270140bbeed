package workspaceuser_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// A user whose member cannot be deprovisioned because the backend is down
// for good waits; setting the workspace's policy to Retain lets it go at
// once, without waiting for the backoff.
func TestRetainReleasesAUserWaitingForADownBackend(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "gone.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "grete", "acme", "grete@gone.example")
	key := waitSynced(t, u).Status.MemberKey

	b.SetDown(true)
	g.Expect(env.Client.Delete(ctx, u)).To(Succeed())
	g.Consistently(func(g Gomega) { getUser(g, u) }).WithTimeout(3*time.Second).Should(Succeed(),
		"a member that may still be active is not forgotten because the backend is down")

	g.Eventually(func(g Gomega) {
		cur := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), cur)).To(Succeed())
		cur.Spec.Deprovisioning = identityv1alpha1.DeprovisionRetain
		g.Expect(env.Client.Update(ctx, cur)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) { gone(g, u) }).WithTimeout(5 * time.Second).Should(Succeed())
	b.SetDown(false)
	g.Expect(memberOf(g, b, key).Active).To(BeTrue(), "Retain leaves the member as it was")
}
