package workspace_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

// startWithBackends runs the workspace controllers and the WorkspaceUser
// controller, sharing one backend cache, as the manager does.
func startWithBackends(t *testing.T) {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cache := memberbackend.NewCache(mgr.GetClient(), mgr.GetAPIReader())
	t.Cleanup(cache.Close)
	for _, setup := range []func(context.Context, ctrl.Manager) error{
		(&workspace.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
			PublicBaseURL: publicURL}).SetupWithManager,
		(&workspace.BackendReconciler{Client: mgr.GetClient(), Backends: cache, CountDelay: 200 * time.Millisecond}).SetupWithManager,
		(&workspaceuser.Reconciler{Client: mgr.GetClient(),
			Backends: cache, BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second}).SetupWithManager,
	} {
		if err := setup(context.Background(), mgr); err != nil {
			t.Fatal(err)
		}
	}
	testenv.RunManager(t, mgr)
}

func user(ns, name, email string, active bool) *identityv1alpha1.WorkspaceUser {
	return &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			UserName:     email, Active: &active,
		},
	}
}

func TestWorkspaceReportsBackendAndCountsUsers(t *testing.T) {
	g := NewWithT(t)
	startWithBackends(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := sqliteWorkspace(ns, "acme")
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())

	// Without its DSN Secret the backend is not ready, and neither is the workspace.
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		br := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionBackendReady)
		g.Expect(br).NotTo(BeNil())
		g.Expect(br.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(br.Reason).To(Equal(identityv1alpha1.ReasonSecretNotFound))
		ready := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonSecretNotFound))
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady)).To(BeTrue(),
			"the two controllers keep each other's conditions")
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// The Secret appears: the backend answers, the workspace is ready.
	g.Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"},
		Data:       map[string][]byte{"dsn": []byte("file:" + filepath.Join(t.TempDir(), "members.db"))},
	})).To(Succeed())
	domain := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: "counts.example"},
		Spec:       identityv1alpha1.WorkspaceDomainSpec{WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: "acme"}},
	}
	g.Expect(env.Client.Create(ctx, domain)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, domain) })
	// The admission policy wants the message to name the approver.
	approver, err := whoami.Username(ctx, env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	meta.SetStatusCondition(&domain.Status.Conditions, metav1.Condition{Type: identityv1alpha1.ConditionVerified,
		Status: metav1.ConditionTrue, Reason: identityv1alpha1.ReasonApproved, Message: "approved by " + approver})
	g.Expect(env.Client.Status().Update(ctx, domain)).To(Succeed())

	for _, u := range []*identityv1alpha1.WorkspaceUser{
		user(ns, "ada", "ada@counts.example", true),
		user(ns, "bob", "bob@counts.example", false),
		user(ns, "held", "held@unverified.example", true),
	} {
		g.Expect(env.Client.Create(ctx, u)).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionBackendReady)).To(BeTrue(), "%+v", got.Status.Conditions)
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionReady)).To(BeTrue(), "%+v", got.Status.Conditions)
		g.Expect(got.Status.Users).To(Equal(&identityv1alpha1.UserCounts{Total: 3, Active: 2, Held: 1, Synced: 2, Failed: 0}))
		g.Expect(got.Status.TenantURL).NotTo(BeEmpty())
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func TestWorkspaceReportsUnreachableHTTPBackend(t *testing.T) {
	g := NewWithT(t)
	startWithBackends(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-creds"},
		Data:       map[string][]byte{"token": []byte("t0ken"), "signingKey": []byte("k3y")},
	})).To(Succeed())
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"},
		Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendHTTP,
			HTTP: &identityv1alpha1.HTTPBackend{URL: "http://127.0.0.1:1/api",
				CredentialsSecretRef: identityv1alpha1.SecretReference{Name: "app-creds"}},
		}},
	}
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		br := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionBackendReady)
		g.Expect(br).NotTo(BeNil())
		g.Expect(br.Reason).To(Equal(identityv1alpha1.ReasonBackendUnavailable))
		g.Expect(br.Message).To(ContainSubstring("connection refused"))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func TestCountUsers(t *testing.T) {
	cond := func(t, s, reason string) metav1.Condition {
		return metav1.Condition{Type: t, Status: metav1.ConditionStatus(s), Reason: reason}
	}
	off := false
	users := []identityv1alpha1.WorkspaceUser{
		{Status: identityv1alpha1.WorkspaceUserStatus{Conditions: []metav1.Condition{
			cond(identityv1alpha1.ConditionDomainVerified, "True", "DomainVerified"), cond(identityv1alpha1.ConditionSynced, "True", "Reconciled")}}},
		{Spec: identityv1alpha1.WorkspaceUserSpec{Active: &off}, Status: identityv1alpha1.WorkspaceUserStatus{Conditions: []metav1.Condition{
			cond(identityv1alpha1.ConditionDomainVerified, "False", "DomainNotVerified"), cond(identityv1alpha1.ConditionSynced, "False", "DomainNotVerified")}}},
		{Status: identityv1alpha1.WorkspaceUserStatus{Conditions: []metav1.Condition{
			cond(identityv1alpha1.ConditionDomainVerified, "True", "DomainVerified"), cond(identityv1alpha1.ConditionSynced, "False", "BackendUnavailable")}}},
		{},
	}
	got := workspace.CountUsers(users)
	want := identityv1alpha1.UserCounts{Total: 4, Active: 3, Held: 1, Synced: 1, Failed: 1}
	if got != want {
		t.Fatalf("CountUsers = %+v, want %+v", got, want)
	}
}
