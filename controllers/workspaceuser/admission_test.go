package workspaceuser_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// keyedUser is a WorkspaceUser of workspace acme with the backend-key
// annotation key ("" for none), not yet created.
func keyedUser(ns, name, key string) *identityv1alpha1.WorkspaceUser {
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			UserName: name + "@admission.example"},
	}
	if key != "" {
		u.Annotations = map[string]string{identityv1alpha1.AnnotationBackendKey: key}
	}
	return u
}

// annotationPatch sets the backend-key annotation to value (null removes it).
func annotationPatch(value string) client.Patch {
	v := `"` + value + `"`
	if value == "" {
		v = "null"
	}
	return client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"`+identityv1alpha1.AnnotationBackendKey+`":`+v+`}}}`))
}

// waitForBackendKeyPolicy waits until the API server enforces the policy:
// a new admission policy takes a moment to be in force.
func waitForBackendKeyPolicy(t *testing.T, ns string) {
	t.Helper()
	NewWithT(t).Eventually(func() error {
		return env.Client.Create(context.Background(), keyedUser(ns, "probe", "elsewhere:acme:x"), client.DryRunAll)
	}).WithTimeout(time.Minute).WithPolling(100*time.Millisecond).Should(Satisfy(apierrors.IsInvalid),
		"the backend-key policy is not in force")
}

// The backend-key annotation names the member of the object's own
// workspace, and once set it may neither change nor go: not even an
// administrator can move a user onto another member by editing it.
func TestBackendKeyIsOfTheWorkspaceAndNeverChanges(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	waitForBackendKeyPolicy(t, ns)

	for _, bad := range []string{"other:acme:0b6c", ns + ":beta:0b6c", ns + ":acme:", ns + ":acme:../../admin", ns + ":acme"} {
		err := env.Client.Create(ctx, keyedUser(ns, "bad", bad))
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "key %q: %v", bad, err)
		g.Expect(err.Error()).To(ContainSubstring(`must be "` + ns + `:acme:<id>"`))
	}

	key := backendkey.Mint(ns, "acme")
	u := keyedUser(ns, "ada", key)
	g.Expect(env.Client.Create(ctx, u)).To(Succeed())

	err := env.Client.Patch(ctx, u.DeepCopy(), annotationPatch(backendkey.Mint(ns, "acme")))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "changing the key: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("may not be changed once set"))
	err = env.Client.Patch(ctx, u.DeepCopy(), annotationPatch(""))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "removing the key: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("may not be removed once set"))
	got := &identityv1alpha1.WorkspaceUser{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(u), got)).To(Succeed())
	g.Expect(got.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, key))

	// Other writes of a keyed user pass, as before.
	g.Expect(env.Client.Patch(ctx, got, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"title":"Engineer"}}`)))).To(Succeed())

	// A user without the annotation gets it once (the controllers'
	// migration), then keeps it.
	legacy := keyedUser(ns, "grace", "")
	g.Expect(env.Client.Create(ctx, legacy)).To(Succeed())
	derived := backendkey.For(ns, "acme", legacy.UID)
	g.Expect(env.Client.Patch(ctx, legacy.DeepCopy(), annotationPatch(derived))).To(Succeed())
	g.Expect(env.Client.Patch(ctx, legacy.DeepCopy(), annotationPatch(ns+":acme:other"))).To(Satisfy(apierrors.IsForbidden))

	// Groups are held to the same rules.
	grp := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "eng",
			Annotations: map[string]string{identityv1alpha1.AnnotationBackendKey: "other:acme:1"}},
		Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}, DisplayName: "Eng"},
	}
	g.Expect(env.Client.Create(ctx, grp.DeepCopy())).To(Satisfy(apierrors.IsInvalid))
	grp.Annotations[identityv1alpha1.AnnotationBackendKey] = backendkey.Mint(ns, "acme")
	g.Expect(env.Client.Create(ctx, grp)).To(Succeed())
	err = env.Client.Patch(ctx, grp.DeepCopy(), annotationPatch(""))
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "removing a group's key: %v", err)
	g.Expect(err.Error()).To(ContainSubstring("workspacegroups " + ns + "/eng"))
}
