package workspaceuser_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// A user stopped by a permanent error that is then mended in the
// application itself (no Secret or spec changes) is synced again once the
// workspace's backend probe finds the backend usable.
func TestUserRetriesWhenTheBackendIsReadyAgain(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	mgr, err := env.NewControllerManager(ctrl.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect((&workspaceuser.Reconciler{
		Client: mgr.GetClient(), Backends: opener,
		BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second,
	}).SetupWithManager(context.Background(), mgr)).To(Succeed())
	g.Expect((&workspace.BackendReconciler{
		Client: mgr.GetClient(), Backends: opener, ProbeInterval: time.Second, CountDelay: 100 * time.Millisecond,
	}).SetupWithManager(context.Background(), mgr)).To(Succeed())
	testenv.RunManager(t, mgr)

	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme") // resync every hour
	claimDomain(t, "mended.example", ws, true)
	b := opener.backend(ns, "acme")
	b.SetInvalidCredentials(true)
	u := newUser(t, ns, "rosalind", "acme", "rosalind@mended.example")
	g.Eventually(func(g Gomega) {
		c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonInvalidCredentials))
	}).WithTimeout(timeout).Should(Succeed())

	b.SetInvalidCredentials(false) // the application accepts the credentials again
	waitSynced(t, u)
	g.Expect(b.Members()).To(HaveLen(1))
}
