package plugin_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend/memberbackendtest"
	"github.com/rollcall-dev/rollcall/controllers/workspacegroup"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

// startMemberControllers runs the user and group controllers with fake
// backends.
func startMemberControllers(t *testing.T) {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opener := &memberbackendtest.Opener{}
	users := &workspaceuser.Reconciler{Client: mgr.GetClient(), Backends: opener}
	if err := users.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	groups := &workspacegroup.Reconciler{Client: mgr.GetClient(), Backends: opener,
		Slots: users.BackendSlots(), SlotsPerWorkspace: users.SlotsPerWorkspace()}
	if err := groups.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
}

func TestGroupMembersAndGetWSG(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startMemberControllers(t)
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, newWorkspace(ns))).To(Succeed())
	good, held := "good-"+ns+".test", "held-"+ns+".test"
	createDomain(t, good, identityv1alpha1.VerificationManual, ns)
	createDomain(t, held, identityv1alpha1.VerificationManual, ns)
	approve(t, good)

	inactive := false
	ada := createUser(t, ns, "ada", "ada@"+good, "Ada Lovelace", nil)
	cy := createUser(t, ns, "cy", "cy@"+held, "Cy Held", nil)
	dan := createUser(t, ns, "dan", "dan@"+good, "Dan Away", &inactive)
	nobody := string(uuid.NewUUID())
	group := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "eng", Finalizers: []string{identityv1alpha1.GroupFinalizer}},
		Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			DisplayName: "Engineering"},
	}
	g.Expect(env.Client.Create(ctx, group)).To(Succeed())
	for _, w := range groupmembers.Plan(groupmembers.Shards{}, []string{string(ada.UID), string(cy.UID), string(dan.UID), nobody}, nil, 5000) {
		g.Expect(env.Client.Create(ctx, &identityv1alpha1.WorkspaceGroupMembership{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: groupmembers.ShardName("eng", w.Prefix),
				Labels: map[string]string{identityv1alpha1.LabelGroup: "eng"}},
			Spec: identityv1alpha1.WorkspaceGroupMembershipSpec{GroupRef: identityv1alpha1.GroupReference{Name: "eng"},
				HashPrefix: w.Prefix, Members: w.Members},
		})).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.WorkspaceGroup{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(group), got)).To(Succeed())
		g.Expect(got.Status.Members).To(Equal(identityv1alpha1.GroupMemberCounts{Total: 4, Synced: 1, Pending: 3}))
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionSynced)).To(BeTrue())
	}).WithTimeout(30 * time.Second).Should(Succeed())

	// A workspace admin with read access to groups, memberships and users
	// (and none to the cluster's WorkspaceDomains).
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "group-reader"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"identity.rollcall.dev"},
			Resources: []string{"workspacegroups", "workspacegroupmemberships", "workspaceusers"}, Verbs: []string{"get", "list"}}},
	}
	g.Expect(env.Client.Create(ctx, role)).To(Succeed())
	g.Expect(env.Client.Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ivy"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "ivy"}},
	})).To(Succeed())
	kubeconfig := kubeconfigFor(t, "ivy")
	var out string
	g.Eventually(func() error {
		var err error
		out, err = run(kubeconfig, "group", "members", "eng", "-n", ns)
		return err
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Expect(out).To(MatchRegexp(`^USERNAME\s+DISPLAY-NAME\s+STATE\s+WHY\n`))
	g.Expect(out).To(MatchRegexp(`(?m)^ada@` + quote(good) + `\s+Ada Lovelace\s+Member\s+-$`))
	g.Expect(out).To(MatchRegexp(`(?m)^cy@` + quote(held) + `\s+Cy Held\s+Pending\s+domain not verified: ` + quote(held) + ` \(DomainNotVerified\)$`))
	g.Expect(out).To(MatchRegexp(`(?m)^dan@` + quote(good) + `\s+Dan Away\s+Pending\s+inactive$`))
	g.Expect(out).To(MatchRegexp(`(?m)^-\s+-\s+Pending\s+no such user: no WorkspaceUser of workspace acme has SCIM id ` + nobody + `$`))
	g.Expect(out).To(HaveSuffix("4 members: 1 let in, 3 pending (1 domain not verified, 1 inactive, 1 no such user); 1 in the backend at the last sync\n"))

	// An admin sees which domain is not verified from the claims themselves.
	root, err := writeKubeconfigWithGroups("group-root", []string{"system:masters"}, t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	out, err = run(root, "group", "members", "eng", "-n", ns)
	g.Expect(err).NotTo(HaveOccurred(), out)
	t.Logf("kubectl rollcall group members eng:\n%s", out)
	g.Expect(out).To(MatchRegexp(`(?m)^cy@` + quote(held) + `\s+Cy Held\s+Pending\s+domain not verified: ` + quote(held) + `$`))

	_, err = run(kubeconfig, "group", "members", "nope", "-n", ns)
	g.Expect(err).To(MatchError(ContainSubstring("not found")))

	// kubectl get wsg, with the kubectl built beside the API server.
	kubectl := filepath.Join(env.BinaryAssetsDirectory, "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("no kubectl in %s: run 'make kubectl' (make test does it)", env.BinaryAssetsDirectory)
	}
	get := func(args ...string) string {
		b, err := exec.Command(kubectl, append([]string{"--kubeconfig", root, "-n", ns, "get", "wsg"}, args...)...).CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), string(b))
		return string(b)
	}
	g.Expect(get()).To(MatchRegexp(`^NAME\s+DISPLAY-NAME\s+MEMBERS\s+PENDING\s+SYNCED\s+AGE\neng\s+Engineering\s+4\s+3\s+True\s+\S+\n$`))
	t.Logf("kubectl get wsg -o wide:\n%s", get("-o", "wide"))
	g.Expect(get("-o", "wide")).To(MatchRegexp(
		`^NAME\s+DISPLAY-NAME\s+MEMBERS\s+PENDING\s+SYNCED\s+READY\s+REASON\s+WORKSPACE\s+AGE\neng\s+Engineering\s+4\s+3\s+True\s+False\s+MembersPending\s+acme\s+\S+\n$`))
}

func quote(s string) string { return regexp.QuoteMeta(s) }

// approve sets Verified=True on a domain as an approver would.
func approve(t *testing.T, domain string) {
	t.Helper()
	g := NewWithT(t)
	approver, err := whoami.Username(context.Background(), env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		cur := getDomain(g, domain)
		meta.SetStatusCondition(&cur.Status.Conditions, metav1.Condition{Type: identityv1alpha1.ConditionVerified,
			Status: metav1.ConditionTrue, Reason: identityv1alpha1.ReasonApproved, Message: "set by " + approver, ObservedGeneration: cur.Generation})
		g.Expect(env.Client.Status().Update(context.Background(), cur)).To(Succeed())
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func createUser(t *testing.T, ns, name, email, displayName string, active *bool) *identityv1alpha1.WorkspaceUser {
	t.Helper()
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			UserName: email, DisplayName: displayName, Active: active,
			Emails: []identityv1alpha1.Email{{Value: email, Primary: true}}},
	}
	NewWithT(t).Expect(env.Client.Create(context.Background(), u)).To(Succeed())
	return u
}
