package workspace_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

const publicURL = "https://scim.example.test/"

func startController(t *testing.T) {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &workspace.Reconciler{
		Client:        mgr.GetClient(),
		APIReader:     mgr.GetAPIReader(),
		PublicBaseURL: publicURL,
	}
	if err := r.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
}

func sqliteWorkspace(ns, name string) *identityv1alpha1.Workspace {
	return &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendSQL,
			SQL: &identityv1alpha1.SQLBackend{
				Driver:       identityv1alpha1.SQLDriverSQLite,
				DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "members-db", Key: "dsn"},
			},
		}},
	}
}

func TestWorkspaceGetsTokenSecretAndTenantURL(t *testing.T) {
	g := NewWithT(t)
	startController(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := sqliteWorkspace(ns, "acme")
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())

	got := &identityv1alpha1.Workspace{}
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionReady)).To(BeTrue(), "conditions: %+v", got.Status.Conditions)
	}).WithTimeout(20 * time.Second).Should(Succeed())

	g.Expect(got.Status.TenantURL).To(Equal("https://scim.example.test/scim/v2/" + ns + "/acme"))
	g.Expect(got.Status.TokenSecretName).To(Equal("acme-scim-token"))
	g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
	scim := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady)
	g.Expect(scim).NotTo(BeNil())
	g.Expect(scim.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(scim.ObservedGeneration).To(Equal(got.Generation))

	secret := &corev1.Secret{}
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "acme-scim-token"}, secret)).To(Succeed())
	token := string(secret.Data["token"])
	g.Expect(token).To(HaveLen(43), "256 bits, base64url without padding")
	g.Expect(metav1.IsControlledBy(secret, got)).To(BeTrue(), "the Secret is owned by the Workspace, so it goes with it")

	// A deleted token Secret comes back, with a new token.
	g.Expect(env.Client.Delete(ctx, secret)).To(Succeed())
	g.Eventually(func(g Gomega) {
		again := &corev1.Secret{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(secret), again)).To(Succeed())
		g.Expect(again.UID).NotTo(Equal(secret.UID))
		g.Expect(again.Data["token"]).To(HaveLen(43))
		g.Expect(string(again.Data["token"])).NotTo(Equal(token))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func TestWorkspaceKeepsABroughtToken(t *testing.T) {
	g := NewWithT(t)
	startController(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	own := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "my-token"},
		Data:       map[string][]byte{"token": []byte("a-token-the-platform-team-chose")},
	}
	g.Expect(env.Client.Create(ctx, own)).To(Succeed())
	ws := sqliteWorkspace(ns, "brought")
	ws.Spec.SCIM.TokenSecretName = "my-token"
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())

	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady)).To(BeTrue())
		g.Expect(got.Status.TokenSecretName).To(Equal("my-token"))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	after := &corev1.Secret{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(own), after)).To(Succeed())
	g.Expect(string(after.Data["token"])).To(Equal("a-token-the-platform-team-chose"))
}

func TestWorkspaceReportsUnusableTokenSecret(t *testing.T) {
	g := NewWithT(t)
	startController(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "empty"},
		Data:       map[string][]byte{"password": []byte("x")},
	})).To(Succeed())
	ws := sqliteWorkspace(ns, "broken")
	ws.Spec.SCIM.TokenSecretName = "empty"
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())

	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		ready := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonTokenSecretInvalid))
		g.Expect(ready.Message).To(ContainSubstring(`no key "token"`))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func TestWorkspaceWithSCIMDisabledHasNoToken(t *testing.T) {
	g := NewWithT(t)
	startController(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := sqliteWorkspace(ns, "quiet")
	off := false
	ws.Spec.SCIM.Enabled = &off
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())

	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		scim := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady)
		g.Expect(scim).NotTo(BeNil())
		g.Expect(scim.Reason).To(Equal(identityv1alpha1.ReasonSCIMDisabled))
		g.Expect(got.Status.TenantURL).To(BeEmpty())
	}).WithTimeout(20 * time.Second).Should(Succeed())
	err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "quiet-scim-token"}, &corev1.Secret{})
	g.Expect(err).To(HaveOccurred(), "no token is generated while SCIM is off")
}
