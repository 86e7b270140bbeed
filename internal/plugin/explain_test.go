package plugin_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	ctrl "sigs.k8s.io/controller-runtime"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend/memberbackendtest"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// startUserController runs the WorkspaceUser controller and the
// workspace's backend controller against in-memory backends, so users get
// the conditions the plugin explains and workspaces their user counts.
func startUserController(t *testing.T) *memberbackendtest.Opener {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opener := &memberbackendtest.Opener{}
	r := &workspaceuser.Reconciler{Client: mgr.GetClient(), Backends: opener,
		BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second}
	if err := r.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	counts := &workspace.BackendReconciler{Client: mgr.GetClient(), Backends: opener, CountDelay: 100 * time.Millisecond}
	if err := counts.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
	return opener
}

// A held user is explained with the domain it waits for and the command
// that lets it in; once the domain is approved, it is an active member.
func TestUserExplainAndWorkspaceStatus(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startControllers(t)
	startUserController(t)
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"},
		StringData: map[string]string{"dsn": "file::memory:"}})).To(Succeed())
	g.Expect(env.Client.Create(ctx, newWorkspace(ns))).To(Succeed())
	domain := "explain-" + rand.String(6) + ".test"
	createDomain(t, domain, identityv1alpha1.VerificationManual, ns)
	user := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ada"},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			UserName:     "ada@" + domain,
		},
	}
	g.Expect(env.Client.Create(ctx, user)).To(Succeed())
	admin := kubeconfigFor(t, "cluster-admin-explain", "cluster-admin")

	g.Eventually(func(g Gomega) {
		out, err := run(admin, "user", "explain", "ada", "-n", ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(out).To(HavePrefix(ns + "/ada: held, not in the backend: "))
		g.Expect(out).To(ContainSubstring("  " + domain + ": not verified yet (method Manual)\n"))
		g.Expect(out).To(ContainSubstring("approve it: kubectl rollcall domain approve " + domain))
		g.Expect(out).To(ContainSubstring("DomainVerified=False DomainNotVerified"))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	g.Eventually(func(g Gomega) {
		out, err := run(admin, "workspace", "status", "acme", "-n", ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(out).To(HavePrefix("Workspace " + ns + "/acme: Ready="))
		g.Expect(out).To(ContainSubstring("Tenant URL:   https://scim.example.test/scim/v2/" + ns + "/acme\n"))
		g.Expect(out).To(MatchRegexp(`\n  token age:    \d+s \(published 20\d\d-\d\d-\d\dT[0-9:]+Z; kubectl rollcall workspace rotate-token acme -n ` + ns + `\)\n`))
		g.Expect(out).To(ContainSubstring("Domains:\n  " + domain))
		g.Expect(out).To(ContainSubstring("not verified yet"))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	_, err := run(oneDomainApprover(t, "erin-explain", domain), "domain", "approve", domain)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		out, err := run(admin, "user", "explain", "ada", "-n", ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(out).To(HavePrefix(ns + "/ada: an active member of the backend\n"))
		g.Expect(out).To(ContainSubstring("  " + domain + ": verified (Approved)\n"))
		g.Expect(out).To(ContainSubstring("member key: " + ns + ":acme:"))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Eventually(func(g Gomega) {
		out, err := run(admin, "workspace", "status", "acme", "-n", ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(out).To(ContainSubstring("Users: 1 (1 active, 1 synced, 0 held"))
		g.Expect(out).To(MatchRegexp(domain + ` +Manual +verified \(Approved\)`))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	_, err = run(admin, "user", "explain", "nobody", "-n", ns)
	g.Expect(err).To(MatchError(ContainSubstring("not found")))

	// kubectl get ws -o wide, with the kubectl built beside the API server:
	// the Tenant URL and the token's age.
	kubectl := filepath.Join(env.BinaryAssetsDirectory, "kubectl")
	wide, err := exec.Command(kubectl, "--kubeconfig", admin, "-n", ns, "get", "ws", "-o", "wide").CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(wide))
	g.Expect(string(wide)).To(MatchRegexp(`^NAME\s+BACKEND\s+READY\s+USERS\s+HELD\s+TENANT-URL\s+TOKEN-AGE\s+AGE\n` +
		`acme\s+SQL\s+True\s+1\s+0\s+https://scim\.example\.test/scim/v2/` + ns + `/acme\s+\d+s\s+\d+s\n$`))
}
