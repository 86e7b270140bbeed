package workspaceuser_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// Users at rest (no change in the spec, no drift in the backend) cost the
// API server no status writes, however often they are resynced; a drift the
// resync repairs is recorded.
func TestResyncAtRestWritesNoStatus(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) {
		w.Spec.ResyncInterval = &metav1.Duration{Duration: 500 * time.Millisecond}
	})
	claimDomain(t, "rest.example", ws, true)
	b := opener.backend(ns, "acme")
	synced := waitSynced(t, newUser(t, ns, "rosa", "acme", "rosa@rest.example"))
	g.Expect(synced.Status.LastSyncTime).NotTo(BeNil())

	observed := b.Calls(fake.OpObserve)
	g.Eventually(func() int { return b.Calls(fake.OpObserve) }).WithTimeout(timeout).Should(BeNumerically(">=", observed+3), "three resyncs")
	atRest := getUser(g, synced)
	g.Expect(atRest.ResourceVersion).To(Equal(synced.ResourceVersion), "resyncs that find the member as it should be write nothing")

	// Drift in the backend: the resync repairs it and records when.
	key := atRest.Status.MemberKey
	g.Expect(b.Deactivate(t.Context(), key)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(memberOf(g, b, key).Active).To(BeTrue(), "the drift is repaired")
		g.Expect(getUser(g, synced).Status.LastSyncTime.After(atRest.Status.LastSyncTime.Time)).To(BeTrue(), "lastSyncTime records the repair")
	}).WithTimeout(timeout).Should(Succeed())
}
