package workspacedomain_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/internal/indexes"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env, setUp) }

// setUp installs the shipped ClusterRoles and waits until the admission
// policies are in force (a new policy may miss the very first requests).
func setUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root, err := testenv.RepoRoot()
	if err != nil {
		return err
	}
	if err := installClusterRoles(ctx, filepath.Join(root, "config", "rbac")); err != nil {
		return err
	}
	return waitForPolicies(ctx)
}

// installClusterRoles applies the ClusterRoles shipped in dir and its
// subdirectories: the generated manager and SCIM server roles and the
// hand-written approver roles.
func installClusterRoles(ctx context.Context, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	nested, err := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	if err != nil {
		return err
	}
	files = append(files, nested...)
	for _, file := range files {
		objs, err := manifests.Read(file)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if obj.GetKind() != "ClusterRole" {
				continue
			}
			if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner("test")); err != nil {
				return fmt.Errorf("apply ClusterRole %s from %s: %w", obj.GetName(), file, err)
			}
		}
	}
	return nil
}

func waitForPolicies(ctx context.Context) error {
	probe, err := newUserClient("policy-probe", editorRole)
	if err != nil {
		return err
	}
	domain := "probe-" + rand.String(6) + ".test"
	if err := env.Client.Create(ctx, newDomain(domain, identityv1alpha1.VerificationManual)); err != nil {
		return err
	}
	defer func() {
		_ = env.Client.Delete(context.Background(), &identityv1alpha1.WorkspaceDomain{ObjectMeta: metav1.ObjectMeta{Name: domain}})
	}()
	var statusErr, createErr error
	for ctx.Err() == nil {
		statusErr = approve(ctx, probe, domain, "policy-probe", "approved by policy-probe")
		pre := newDomain("probe-"+rand.String(6)+".test", identityv1alpha1.VerificationPreapproved)
		createErr = probe.Create(ctx, pre)
		if createErr == nil {
			_ = env.Client.Delete(ctx, pre)
		}
		if isPolicyDenial(statusErr) && isPolicyDenial(createErr) {
			return nil
		}
		time.Sleep(100 * time.Millisecond) // polling the API server, not waiting for a result
	}
	return fmt.Errorf("admission policies not in force after a minute: status write: %w; Preapproved create: %w", statusErr, createErr)
}

func isPolicyDenial(err error) bool {
	return apierrors.IsForbidden(err) && strings.Contains(err.Error(), "ValidatingAdmissionPolicy")
}

// editorRole may create and change WorkspaceDomains and write their status,
// but holds neither approve nor reconcile: a platform engineer without the
// approve right.
const editorRole = "test-domain-editor"

// extraRoles are ClusterRoles the tests make besides the shipped ones.
var extraRoles = []*rbacv1.ClusterRole{{
	ObjectMeta: metav1.ObjectMeta{Name: editorRole},
	Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{identityv1alpha1.GroupVersion.Group}, Resources: []string{"workspacedomains"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{identityv1alpha1.GroupVersion.Group}, Resources: []string{"workspacedomains/status"},
			Verbs: []string{"get", "update", "patch"}},
	},
}}

// newUser adds a real, non-admin user bound to the given ClusterRoles and
// returns its REST config.
func newUser(name string, clusterRoles ...string) (*rest.Config, error) {
	ctx := context.Background()
	for _, role := range extraRoles {
		if err := env.Client.Create(ctx, role.DeepCopy()); err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
	}
	user, err := env.AddUser(envtest.User{Name: name, Groups: []string{"rollcall-test-users"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("add user %s: %w", name, err)
	}
	if err := testenv.BindClusterRoles(ctx, env.Client, name, clusterRoles...); err != nil {
		return nil, err
	}
	return user.Config(), nil
}

func newUserClient(name string, clusterRoles ...string) (client.Client, error) {
	cfg, err := newUser(name, clusterRoles...)
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: env.Scheme})
}

func mustUserClient(t *testing.T, name string, clusterRoles ...string) client.Client {
	t.Helper()
	c, err := newUserClient(name, clusterRoles...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// approverOf creates a ClusterRole for one domain from the shipped example
// (config/rbac/domain_approver_example_role.yaml, example.com replaced by
// domain) and binds it to a new user.
func approverOf(t *testing.T, user, domain string) client.Client {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", "domain_approver_example_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "role.yaml")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(data), "example.com", domain)), 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := manifests.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range objs {
		if err := env.Client.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner("test")); err != nil {
			t.Fatal(err)
		}
	}
	return mustUserClient(t, user, "rollcall-domain-approver-"+domain)
}

// controllerUser is the identity the domain controller runs as in these
// tests, bound to the generated rollcall-manager ClusterRole.
const controllerUser = "rollcall-controller"

// startController runs the domain controller as controllerUser.
func startController(t *testing.T, dns workspacedomain.DNSOptions) {
	t.Helper()
	startControllerWithClient(t, dns, func(c client.Client) client.Client { return c })
}

// startControllerWithClient runs the domain controller as controllerUser,
// its client wrapped by wrap.
func startControllerWithClient(t *testing.T, dns workspacedomain.DNSOptions, wrap func(client.Client) client.Client) {
	t.Helper()
	cfg, err := newUser(controllerUser, "rollcall-manager")
	if err != nil {
		t.Fatal(err)
	}
	skip := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := indexes.AddDefault(context.Background(), mgr.GetFieldIndexer()); err != nil {
		t.Fatal(err)
	}
	r := &workspacedomain.Reconciler{
		Client: wrap(mgr.GetClient()),
		DNS:    dns,
	}
	if err := r.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	if r.Identity != controllerUser {
		t.Fatalf("the controller learned its identity as %q, want %q", r.Identity, controllerUser)
	}
	testenv.RunManager(t, mgr)
}

func uniqueDomain(prefix string) string {
	return prefix + "-" + rand.String(6) + ".test"
}

func newDomain(name string, method identityv1alpha1.VerificationMethod) *identityv1alpha1.WorkspaceDomain {
	return &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: "team", Name: "acme"},
			Verification: identityv1alpha1.DomainVerification{Method: method},
		},
	}
}

// createDomain creates a domain as the admin and deletes it when the test ends.
func createDomain(t *testing.T, d *identityv1alpha1.WorkspaceDomain) {
	t.Helper()
	if err := env.Client.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), d) })
}

// approve server-side applies Verified=True the way an approver does, with
// approvedBy and approvedAt.
func approve(ctx context.Context, c client.Client, domain, approvedBy, message string) error {
	status := ac.WorkspaceDomainStatus().
		WithConditions(metav1ac.Condition().
			WithType(identityv1alpha1.ConditionVerified).WithStatus(metav1.ConditionTrue).
			WithReason(identityv1alpha1.ReasonApproved).WithMessage(message).
			WithLastTransitionTime(metav1.Now())).
		WithApprovedBy(approvedBy).WithApprovedAt(metav1.Now())
	return c.Status().Apply(ctx, ac.WorkspaceDomain(domain).WithStatus(status),
		client.FieldOwner("test-approver"), client.ForceOwnership)
}

func getDomain(ctx context.Context, name string) (*identityv1alpha1.WorkspaceDomain, error) {
	d := &identityv1alpha1.WorkspaceDomain{}
	err := env.Client.Get(ctx, client.ObjectKey{Name: name}, d)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("get domain %s", name), err)
	}
	return d, nil
}
