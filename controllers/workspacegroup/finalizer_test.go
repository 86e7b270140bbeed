package workspacegroup_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspacegroup"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// A group made without the finalizer gets it; a group whose Workspace does
// not exist waits with Synced=False WorkspaceNotFound, and its deletion
// cannot get stuck: the finalizer is released with a Warning.
func TestGroupWithoutWorkspace(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	group := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "orphans"},
		Spec:       identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}, DisplayName: "Orphans"},
	}
	g.Expect(env.Client.Create(ctx, group)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := getGroup(g, group)
		g.Expect(controllerutil.ContainsFinalizer(got, identityv1alpha1.GroupFinalizer)).To(BeTrue())
		c := condition(got, identityv1alpha1.ConditionSynced)
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonWorkspaceNotFound))
		g.Expect(condition(got, identityv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
	}).WithTimeout(timeout).Should(Succeed())
	expectEvent(t, ns, group.Name, "Warning", identityv1alpha1.ReasonWorkspaceNotFound)

	g.Expect(env.Client.Delete(ctx, group)).To(Succeed())
	g.Eventually(func(g Gomega) { gone(g, group) }).WithTimeout(timeout).Should(Succeed())
	expectEvent(t, ns, group.Name, "Warning", workspacegroup.ReasonFinalizerReleased)
}
