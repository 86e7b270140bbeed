package workspaceuser_test

import (
	"context"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

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
