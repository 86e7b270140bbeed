package plugin_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/plugin"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	testenv.Main(m, &env, setUp)
}

// setUp installs the shipped ClusterRoles and waits until the admission
// policy is in force: a new policy may miss the very first requests.
func setUp() error {
	root, err := testenv.RepoRoot()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, name := range []string{"domain_approver_role.yaml", "role.yaml"} {
		objs, err := manifests.Read(filepath.Join(root, "config", "rbac", name))
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner("test")); err != nil {
				return err
			}
		}
	}
	// The probe may write the status of any domain but holds no approve.
	statusWriter := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "test-status-writer"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"identity.rollcall.dev"},
			Resources: []string{"workspacedomains", "workspacedomains/status"}, Verbs: []string{"get", "patch"}}},
	}
	if err := env.Client.Create(ctx, statusWriter); err != nil {
		return err
	}
	kubeconfig, err := writeKubeconfig("policy-probe", os.TempDir(), statusWriter.Name)
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(kubeconfig) }()
	domain := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: "probe-" + rand.String(6) + ".test"},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: "team", Name: "acme"},
		},
	}
	if err := env.Client.Create(ctx, domain); err != nil {
		return err
	}
	defer func() { _ = env.Client.Delete(context.Background(), domain) }()
	for {
		_, err := run(kubeconfig, "domain", "approve", domain.Name)
		if err != nil && strings.Contains(err.Error(), "need verb approve") {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the admission policy is not in force after a minute: %w", err)
		}
		time.Sleep(100 * time.Millisecond) // polling the API server, not waiting for a result
	}
}

// writeKubeconfig adds a real, non-admin user, binds it to the ClusterRoles
// and writes a kubeconfig file for it into dir.
func writeKubeconfig(name, dir string, clusterRoles ...string) (string, error) {
	return writeKubeconfigWithGroups(name, nil, dir, clusterRoles...)
}

func writeKubeconfigWithGroups(name string, groups []string, dir string, clusterRoles ...string) (string, error) {
	ctx := context.Background()
	user, err := env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return "", err
	}
	if err := testenv.BindClusterRoles(ctx, env.Client, name, clusterRoles...); err != nil {
		return "", err
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "kubeconfig-"+name+"-")
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Write(data); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// kubeconfigFor adds a real, non-admin user, binds it to the ClusterRoles
// and returns the path of a kubeconfig file for it.
func kubeconfigFor(t *testing.T, name string, clusterRoles ...string) string {
	t.Helper()
	path, err := writeKubeconfig(name, t.TempDir(), clusterRoles...)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// oneDomainApprover binds a new user to a ClusterRole like the shipped
// example, for the given domain only.
func oneDomainApprover(t *testing.T, name, domain string) string {
	t.Helper()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "approver-" + domain},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"identity.rollcall.dev"}, Resources: []string{"domains"}, ResourceNames: []string{domain}, Verbs: []string{"approve"}},
			{APIGroups: []string{"identity.rollcall.dev"}, Resources: []string{"workspacedomains"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"identity.rollcall.dev"}, Resources: []string{"workspacedomains/status"}, ResourceNames: []string{domain}, Verbs: []string{"get", "patch"}},
		},
	}
	if err := env.Client.Create(context.Background(), role); err != nil {
		t.Fatal(err)
	}
	return kubeconfigFor(t, name, role.Name)
}

// run runs the plugin in-process, as kubectl would run kubectl-rollcall.
func run(kubeconfig string, args ...string) (string, error) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	cmd := plugin.NewCommand(genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut})
	cmd.SetArgs(append([]string{"--kubeconfig", kubeconfig}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

func createDomain(t *testing.T, name string, method identityv1alpha1.VerificationMethod, ns string) {
	t.Helper()
	d := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: "acme"},
			Verification: identityv1alpha1.DomainVerification{Method: method},
		},
	}
	if err := env.Client.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), d) })
}

func getDomain(g Gomega, name string) *identityv1alpha1.WorkspaceDomain {
	d := &identityv1alpha1.WorkspaceDomain{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: name}, d)).To(Succeed())
	return d
}

func verifiedOf(g Gomega, name string) *metav1.Condition {
	c := meta.FindStatusCondition(getDomain(g, name).Status.Conditions, identityv1alpha1.ConditionVerified)
	g.Expect(c).NotTo(BeNil())
	return c
}

// startControllers runs the workspace and domain controllers as the admin.
func startControllers(t *testing.T) {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws := &workspace.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		PublicBaseURL: "https://scim.example.test"}
	if err := ws.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	domains := &workspacedomain.Reconciler{Client: mgr.GetClient()}
	if err := domains.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
}

func TestDomainApproveDenyRevoke(t *testing.T) {
	g := NewWithT(t)
	startControllers(t)
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(context.Background(), newWorkspace(ns))).To(Succeed())
	domain := "plugin-" + rand.String(6) + ".test"
	createDomain(t, domain, identityv1alpha1.VerificationManual, ns)
	kubeconfig := oneDomainApprover(t, "erin", domain)

	other := "other-" + rand.String(6) + ".test"
	createDomain(t, other, identityv1alpha1.VerificationManual, "team")
	_, err := run(kubeconfig, "domain", "approve", other)
	g.Expect(err).To(MatchError(ContainSubstring("forbidden")), "erin may not approve another domain")
	g.Expect(meta.FindStatusCondition(getDomain(g, other).Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeNil())

	out, err := run(kubeconfig, "domain", "approve", domain, "--message", "contract signed")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(Equal("workspacedomain.identity.rollcall.dev/" + domain + " approved\n"))
	verified := verifiedOf(g, domain)
	g.Expect(verified.Status).To(Equal(metav1.ConditionTrue))
	g.Expect(verified.Reason).To(Equal(identityv1alpha1.ReasonApproved))
	g.Expect(verified.Message).To(Equal("approved by erin: contract signed"))
	got := getDomain(g, domain)
	g.Expect(got.Status.ApprovedBy).To(Equal("erin"))
	g.Expect(got.Status.ApprovedAt).NotTo(BeNil())
	firstApproval := got.Status.ApprovedAt.Time
	g.Expect(managers(got)).To(ContainElement(plugin.FieldManager))

	// The controller's Ready follows, and stays the controller's.
	g.Eventually(func(g Gomega) {
		ready := meta.FindStatusCondition(getDomain(g, domain).Status.Conditions, identityv1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonApproved))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// Approving again needs --force.
	out, err = run(kubeconfig, "domain", "approve", domain)
	g.Expect(err).To(MatchError(ContainSubstring("already approved (reason Approved, by erin")), out)
	g.Expect(getDomain(g, domain).Status.ApprovedAt.Time).To(Equal(firstApproval))
	g.Expect(verifiedOf(g, domain).Message).To(Equal("approved by erin: contract signed"))
	out, err = run(kubeconfig, "domain", "approve", domain, "--force", "--message", "contract renewed")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(verifiedOf(g, domain).Message).To(Equal("approved by erin: contract renewed"))
	g.Expect(getDomain(g, domain).Status.ApprovedAt.Time).To(BeTemporally(">=", firstApproval))

	// Deny is for undecided domains; an approval is revoked.
	_, err = run(kubeconfig, "domain", "deny", domain)
	g.Expect(err).To(MatchError(ContainSubstring("kubectl rollcall domain revoke " + domain)))
	out, err = run(kubeconfig, "domain", "revoke", domain, "--reason", "ContractEnded", "--message", "the contract ended")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(HaveSuffix(" revoked\n"))
	verified = verifiedOf(g, domain)
	g.Expect(verified.Status).To(Equal(metav1.ConditionFalse))
	g.Expect(verified.Reason).To(Equal("ContractEnded"))
	g.Expect(verified.Message).To(Equal("revoked by erin: the contract ended"))
	g.Expect(getDomain(g, domain).Status.ApprovedBy).To(BeEmpty(), "a revoked domain names no approver")

	_, err = run(kubeconfig, "domain", "revoke", domain)
	g.Expect(err).To(MatchError(ContainSubstring("is not approved")))
	_, err = run(kubeconfig, "domain", "revoke", domain, "--reason", "not a reason")
	g.Expect(err).To(HaveOccurred())

	out, err = run(kubeconfig, "domain", "deny", domain)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(verifiedOf(g, domain).Reason).To(Equal(identityv1alpha1.ReasonDenied))
	_, err = run(kubeconfig, "domain", "deny", domain)
	g.Expect(err).To(MatchError(ContainSubstring("already denied")))

	// The list shows the decision.
	out, err = run(kubeconfig, "domain", "list")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(HavePrefix("NAME"))
	g.Expect(out).To(MatchRegexp(`(?m)^` + strings.ReplaceAll(domain, ".", `\.`) + `\s+` + ns + `/acme\s+Manual\s+False\s+Denied\s+-\s+\S+$`))
	g.Expect(out).To(MatchRegexp(`(?m)^` + strings.ReplaceAll(other, ".", `\.`) + `\s+team/acme\s+Manual\s+Unknown\s+PendingApproval\s+-\s+\S+$`))
}

func TestUnknownCommandIsAnError(t *testing.T) {
	g := NewWithT(t)
	_, err := run("/nonexistent/kubeconfig", "domain", "aprove", "example.com")
	g.Expect(err).To(MatchError(`unknown command "aprove" for "kubectl rollcall domain"`))
	out, err := run("/nonexistent/kubeconfig", "domain")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out).To(ContainSubstring("kubectl rollcall domain [command]"))
}

func TestDomainApproveLeavesDNSDomainsToTheController(t *testing.T) {
	g := NewWithT(t)
	domain := "dns-" + rand.String(6) + ".test"
	createDomain(t, domain, identityv1alpha1.VerificationDNS, "team")
	kubeconfig := kubeconfigFor(t, "frank", "rollcall-domain-approver")
	_, err := run(kubeconfig, "domain", "approve", domain)
	g.Expect(err).To(MatchError(ContainSubstring("has verification method DNS")))
	_, err = run(kubeconfig, "domain", "approve", "no-such-domain.test")
	g.Expect(err).To(MatchError(ContainSubstring("not found")))
}

func TestWhoMayApproveAManualDomain(t *testing.T) {
	g := NewWithT(t)
	domain := "admins-" + rand.String(6) + ".test"
	createDomain(t, domain, identityv1alpha1.VerificationManual, "team")

	// A cluster-admin holds every verb, reconcile included, so the policy
	// takes it for the controller, which may not approve Manual domains.
	ops := kubeconfigFor(t, "ops", "cluster-admin")
	_, err := run(ops, "domain", "approve", domain)
	g.Expect(err).To(MatchError(ContainSubstring("holds verb reconcile")))

	// system:masters, which RBAC does not restrict, is the break-glass exception.
	root, err := writeKubeconfigWithGroups("root", []string{"system:masters"}, t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	out, err := run(root, "domain", "approve", domain)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(verifiedOf(g, domain).Message).To(Equal("approved by root with kubectl rollcall"))
	g.Expect(getDomain(g, domain).Status.ApprovedBy).To(Equal("root"))
}

func TestWorkspaceRotateToken(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startControllers(t)
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, newWorkspace(ns))).To(Succeed())
	key := client.ObjectKey{Namespace: ns, Name: "acme-scim-token"}
	secret := &corev1.Secret{}
	g.Eventually(func() error { return env.Client.Get(ctx, key, secret) }).WithTimeout(20 * time.Second).Should(Succeed())
	old := string(secret.Data["token"])

	// A workspace admin may read the workspace and update its Secrets.
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "workspace-admin"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"identity.rollcall.dev"}, Resources: []string{"workspaces"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "update"}},
		},
	}
	g.Expect(env.Client.Create(ctx, role)).To(Succeed())
	g.Expect(env.Client.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "hopper"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "hopper"}},
	})).To(Succeed())
	kubeconfig := kubeconfigFor(t, "hopper")

	var out string
	g.Eventually(func() error {
		var err error
		out, err = run(kubeconfig, "workspace", "rotate-token", "acme", "-n", ns, "--grace", "2h")
		return err
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Expect(env.Client.Get(ctx, key, secret)).To(Succeed())
	token := string(secret.Data["token"])
	g.Expect(token).To(HaveLen(43))
	g.Expect(token).NotTo(Equal(old))
	g.Expect(out).To(HavePrefix("Secret Token: " + token + "\nThe previous token is accepted until "))
	g.Expect(string(secret.Data["previousToken"])).To(Equal(old))
	published := &identityv1alpha1.Workspace{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme"}, published)).To(Succeed())
	g.Expect(published.Status.PublishedTokenVersion).To(Equal(secret.ResourceVersion), "the command returned once the new token was published")
	expires, err := time.Parse(time.RFC3339, secret.Annotations["identity.rollcall.dev/previous-token-expires"])
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(time.Until(expires)).To(BeNumerically("~", 2*time.Hour, time.Minute))

	out, err = run(kubeconfig, "workspace", "rotate-token", "acme", "-n", ns, "--grace", "0")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out).To(ContainSubstring("The previous token is no longer accepted."))
	g.Expect(env.Client.Get(ctx, key, secret)).To(Succeed())
	g.Expect(secret.Data).NotTo(HaveKey("previousToken"))
}

// Without a controller to publish the new token to the SCIM server, the
// rotation is done but the command says the new token is not in use yet
// and fails, after printing it.
func TestWorkspaceRotateTokenFailsUntilPublished(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, newWorkspace(ns))).To(Succeed())
	g.Expect(env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-scim-token"},
		Data: map[string][]byte{"token": []byte("the-token-before-the-rotation-0001")}})).To(Succeed())
	kubeconfig := kubeconfigFor(t, "admin-without-controller", "cluster-admin")

	start := time.Now()
	out, err := run(kubeconfig, "workspace", "rotate-token", "acme", "-n", ns, "--wait", "1s")
	g.Expect(err).To(MatchError(ContainSubstring("has not reported it published within 1s")))
	g.Expect(time.Since(start)).To(BeNumerically("<", 10*time.Second))
	secret := &corev1.Secret{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-scim-token"}, secret)).To(Succeed())
	g.Expect(out).To(HavePrefix("Secret Token: " + string(secret.Data["token"]) + "\n"))
	g.Expect(string(secret.Data["previousToken"])).To(Equal("the-token-before-the-rotation-0001"))
}

func TestWorkspaceToken(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startControllers(t)
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, newWorkspace(ns))).To(Succeed())

	// A workspace admin may read the workspace and its Secrets in the namespace.
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "workspace-admin"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"identity.rollcall.dev"}, Resources: []string{"workspaces"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}},
		},
	}
	g.Expect(env.Client.Create(ctx, role)).To(Succeed())
	g.Expect(env.Client.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "grace"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "grace"}},
	})).To(Succeed())
	kubeconfig := kubeconfigFor(t, "grace")

	var out string
	g.Eventually(func() error {
		var err error
		out, err = run(kubeconfig, "workspace", "token", "acme", "-n", ns)
		return err
	}).WithTimeout(20 * time.Second).Should(Succeed())
	secret := &corev1.Secret{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-scim-token"}, secret)).To(Succeed())
	g.Expect(out).To(Equal(fmt.Sprintf("Tenant URL:   https://scim.example.test/scim/v2/%s/acme\nSecret Token: %s\n",
		ns, secret.Data["token"])))

	_, err := run(kubeconfig, "workspace", "token", "acme", "-n", "default")
	g.Expect(err).To(MatchError(ContainSubstring("forbidden")))
}

func managers(obj client.Object) []string {
	var names []string
	for _, f := range obj.GetManagedFields() {
		names = append(names, f.Manager)
	}
	return names
}

func newWorkspace(ns string) *identityv1alpha1.Workspace {
	return &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"},
		Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendSQL,
			SQL: &identityv1alpha1.SQLBackend{Driver: identityv1alpha1.SQLDriverSQLite,
				DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "members-db", Key: "dsn"}},
		}},
	}
}
