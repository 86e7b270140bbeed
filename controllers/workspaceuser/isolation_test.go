package workspaceuser_test

import (
	"fmt"
	"sort"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// A workspace whose application accepts calls and never answers holds up
// only its own users: the users of another workspace sync within a bound
// that does not depend on the hang, every waiting user says why it waits,
// and once the application answers again its users converge, none lost and
// none twice.
func TestStalledWorkspaceDoesNotStallOthers(t *testing.T) {
	const perWorkspace = 20
	g := NewWithT(t)
	opener := &fakeOpener{}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	a := newWorkspace(t, ns, "a")
	claimDomain(t, ns+"-a.example", a, true)
	b := newWorkspace(t, ns, "b")
	claimDomain(t, ns+"-b.example", b, true)
	stalled := opener.backend(ns, "a")
	stalled.SetHang(true)
	released := false
	defer func() {
		if !released {
			stalled.SetHang(false)
		}
	}()

	start := time.Now()
	var usersA, usersB []*identityv1alpha1.WorkspaceUser
	for i := range perWorkspace {
		usersA = append(usersA, newUser(t, ns, fmt.Sprintf("a-%02d", i), "a", fmt.Sprintf("a%02d@%s-a.example", i, ns)))
		usersB = append(usersB, newUser(t, ns, fmt.Sprintf("b-%02d", i), "b", fmt.Sprintf("b%02d@%s-b.example", i, ns)))
	}

	// B's users sync as if A were fine: within 15s, while A hangs until
	// this test lets it go.
	g.Eventually(func(g Gomega) {
		for _, u := range usersB {
			c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s Synced: %+v", u.Name, c)
		}
	}).WithTimeout(15 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	bSynced := time.Since(start)
	g.Expect(opener.backend(ns, "b").Members()).To(HaveLen(perWorkspace))

	// Every user of A says why it waits.
	waitingForA := func(g Gomega) {
		for _, u := range usersA {
			c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse), "%s Synced: %+v", u.Name, c)
			g.Expect(c.Reason).To(BeElementOf(identityv1alpha1.ReasonBackendBusy, identityv1alpha1.ReasonBackendUnavailable), "%s Synced: %+v", u.Name, c)
			g.Expect(c.Message).NotTo(BeEmpty())
		}
	}
	g.Eventually(waitingForA).WithTimeout(15 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	aExplained := time.Since(start)
	g.Consistently(waitingForA).WithTimeout(3 * time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())
	g.Expect(stalled.Members()).To(BeEmpty())
	g.Expect(stalled.MaxInFlight()).To(BeNumerically("<=", 4), "calls inside A's backend at once: half of the 8 workers")
	reasons := map[string]int{}
	for _, u := range usersA {
		reasons[condition(getUser(g, u), identityv1alpha1.ConditionSynced).Reason]++
	}

	hung := time.Since(start)
	stalled.SetHang(false)
	released = true
	liftedAt := time.Now()
	var keys []string
	g.Eventually(func(g Gomega) {
		keys = keys[:0]
		for _, u := range usersA {
			got := getUser(g, u)
			c := condition(got, identityv1alpha1.ConditionSynced)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "%s Synced: %+v", u.Name, c)
			keys = append(keys, got.Status.MemberKey)
		}
	}).WithTimeout(timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
	aConverged := time.Since(liftedAt)

	sort.Strings(keys)
	var stored []string
	for _, m := range stalled.Members() {
		stored = append(stored, m.Key)
	}
	g.Expect(stored).To(Equal(keys), "A's members are its users, each once")
	g.Expect(stalled.Created()).To(Equal(perWorkspace), "no member created twice")
	t.Logf("B's %d users synced after %s; all %d of A's showed why they wait after %s (%v); A hung %s with at most %d calls in it at once; A converged %s after the hang was lifted",
		perWorkspace, bSynced.Round(time.Millisecond), perWorkspace, aExplained.Round(time.Millisecond), reasons,
		hung.Round(time.Millisecond), stalled.MaxInFlight(), aConverged.Round(time.Millisecond))
}
