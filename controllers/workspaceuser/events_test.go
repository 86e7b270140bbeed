package workspaceuser_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// eventsAbout returns "<type> <reason>" of every event about the named object.
func eventsAbout(g Gomega, ns, name string) []string {
	list := &eventsv1.EventList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			n := max(1, int(e.DeprecatedCount))
			if e.Series != nil {
				n = max(n, int(e.Series.Count))
			}
			for range n {
				out = append(out, e.Type+" "+e.Reason)
			}
		}
	}
	return out
}

// A user provisioned at once emits no event (its status says so, and 10,000
// new users make no 20,000 events); resyncs that find nothing new emit none;
// a failure does, once, and so does the recovery from it.
func TestEventsOnTransitionsOnly(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) {
		w.Spec.ResyncInterval = &metav1.Duration{Duration: 500 * time.Millisecond}
	})
	claimDomain(t, "events.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "ines", "acme", "ines@events.example")
	waitSynced(t, u)

	// Several resyncs later, still no event.
	observed := b.Calls(fake.OpObserve)
	g.Eventually(func() int { return b.Calls(fake.OpObserve) }).WithTimeout(timeout).Should(BeNumerically(">=", observed+3))
	g.Expect(eventsAbout(g, ns, "ines")).To(BeEmpty())

	// The backend goes down: one warning, however many retries.
	b.SetDown(true)
	g.Eventually(func(g Gomega) {
		g.Expect(eventsAbout(g, ns, "ines")).To(ContainElement("Warning BackendUnavailable"))
	}).WithTimeout(timeout).Should(Succeed())
	failed := b.Calls(fake.OpObserve)
	g.Eventually(func() int { return b.Calls(fake.OpObserve) }).WithTimeout(timeout).Should(BeNumerically(">=", failed+2))
	g.Expect(eventsAbout(g, ns, "ines")).To(ConsistOf("Warning BackendUnavailable"))

	// It comes back: one Normal event says so.
	b.SetDown(false)
	g.Eventually(func(g Gomega) {
		g.Expect(eventsAbout(g, ns, "ines")).To(ConsistOf("Warning BackendUnavailable", "Normal Reconciled"))
	}).WithTimeout(timeout).Should(Succeed())
}
