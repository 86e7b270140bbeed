package workspace_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend/memberbackendtest"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspacegroup"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

const teardownTimeout = 60 * time.Second

// fakeOpener gives each workspace its own in-memory backend.
type fakeOpener struct{ memberbackendtest.Opener }

func (o *fakeOpener) backend(namespace, name string) *fake.Backend { return o.Backend(namespace, name) }

// startTeardownControllers runs the Workspace and WorkspaceUser
// controllers against e, with in-memory backends.
func startTeardownControllers(t *testing.T, e *testenv.Env) *fakeOpener {
	t.Helper()
	mgr, err := e.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opener := &fakeOpener{}
	for _, setup := range []func(context.Context, ctrl.Manager) error{
		(&workspace.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), PublicBaseURL: publicURL}).SetupWithManager,
		(&workspaceuser.Reconciler{Client: mgr.GetClient(), Backends: opener,
			BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second}).SetupWithManager,
		(&workspacegroup.Reconciler{Client: mgr.GetClient(), Backends: opener,
			BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second}).SetupWithManager,
	} {
		if err := setup(context.Background(), mgr); err != nil {
			t.Fatal(err)
		}
	}
	testenv.RunManager(t, mgr)
	return opener
}

// fleet is one workspace with a verified domain and synced users, and its
// members as they were before the teardown.
type fleet struct {
	policy identityv1alpha1.DeprovisioningPolicy
	ws     *identityv1alpha1.Workspace
	domain *identityv1alpha1.WorkspaceDomain
	users  []*identityv1alpha1.WorkspaceUser
	// group holds every user.
	group  *identityv1alpha1.WorkspaceGroup
	b      *fake.Backend
	before map[string]backend.Member
}

// provision creates a workspace with the policy, its verified domain and n
// users, and waits until every member is active in the backend.
func provision(t *testing.T, e *testenv.Env, opener *fakeOpener, ns, name string,
	policy identityv1alpha1.DeprovisioningPolicy, n int) *fleet {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	ws := sqliteWorkspace(ns, name)
	ws.Spec.Deprovisioning = policy
	ws.Spec.ResyncInterval = &metav1.Duration{Duration: time.Hour}
	g.Expect(e.Client.Create(ctx, ws)).To(Succeed())
	domain := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: name + "." + ns + ".example"},
		Spec:       identityv1alpha1.WorkspaceDomainSpec{WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: name}},
	}
	g.Expect(e.Client.Create(ctx, domain)).To(Succeed())
	t.Cleanup(func() { _ = e.Client.Delete(ctx, domain) })
	approver, err := whoami.Username(ctx, e.Client)
	g.Expect(err).NotTo(HaveOccurred())
	meta.SetStatusCondition(&domain.Status.Conditions, metav1.Condition{Type: identityv1alpha1.ConditionVerified,
		Status: metav1.ConditionTrue, Reason: identityv1alpha1.ReasonApproved, Message: "approved by " + approver})
	g.Expect(e.Client.Status().Update(ctx, domain)).To(Succeed())

	f := &fleet{policy: policy, ws: ws, domain: domain, b: opener.backend(ns, name)}
	for i := range n {
		u := &identityv1alpha1.WorkspaceUser{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s-%02d", name, i)},
			Spec: identityv1alpha1.WorkspaceUserSpec{
				WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: name},
				UserName:     fmt.Sprintf("p%02d@%s", i, domain.Name),
				DisplayName:  fmt.Sprintf("Person %02d", i),
			},
		}
		g.Expect(e.Client.Create(ctx, u)).To(Succeed())
		f.users = append(f.users, u)
	}
	f.group = newGroupOf(t, e, ws, f.users)
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(e.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(controllerutil.ContainsFinalizer(got, identityv1alpha1.UsersFinalizer)).To(BeTrue())
		for _, u := range f.users {
			cur := &identityv1alpha1.WorkspaceUser{}
			g.Expect(e.Client.Get(ctx, client.ObjectKeyFromObject(u), cur)).To(Succeed())
			g.Expect(meta.IsStatusConditionTrue(cur.Status.Conditions, identityv1alpha1.ConditionSynced)).To(BeTrue(), "%s", u.Name)
		}
		members := f.b.Members()
		g.Expect(members).To(HaveLen(n))
		for _, m := range members {
			g.Expect(m.Active).To(BeTrue(), "%s", m.UserName)
		}
		g.Expect(f.b.Memberships(backendkey.Group(f.group))).To(HaveLen(n))
	}).WithTimeout(teardownTimeout).Should(Succeed())
	f.before = map[string]backend.Member{}
	for _, m := range f.b.Members() {
		f.before[m.Key] = m
	}
	return f
}

// wrong counts the members lost (gone where the policy keeps them) and the
// members changed wrongly (in any other state than the policy's).
func (f *fleet) wrong() (lost, changed int) {
	for key, was := range f.before {
		m, ok := f.b.Member(key)
		switch {
		case f.policy == identityv1alpha1.DeprovisionDelete:
			if ok {
				changed++ // kept where the policy deletes
			}
		case !ok:
			lost++
		case f.policy == identityv1alpha1.DeprovisionRetain:
			if !backend.Equal(m, was) || m.Active != was.Active {
				changed++
			}
		default: // Deactivate
			want := was
			want.Active = false
			if m.Active || !backend.Equal(m, want) {
				changed++
			}
		}
	}
	return lost, changed
}

// expectDeprovisioned waits until the Workspace and its users are gone,
// then checks every member against the policy.
func (f *fleet) expectDeprovisioned(t *testing.T, e *testenv.Env, since time.Time) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	g.Eventually(func(g Gomega) {
		for _, u := range f.users {
			err := e.Client.Get(ctx, client.ObjectKeyFromObject(u), &identityv1alpha1.WorkspaceUser{})
			g.Expect(err).To(HaveOccurred(), "user %s is still there", u.Name)
		}
		err := e.Client.Get(ctx, client.ObjectKeyFromObject(f.group), &identityv1alpha1.WorkspaceGroup{})
		g.Expect(err).To(HaveOccurred(), "group %s is still there", f.group.Name)
		err = e.Client.Get(ctx, client.ObjectKeyFromObject(f.ws), &identityv1alpha1.Workspace{})
		g.Expect(err).To(HaveOccurred(), "workspace %s is still there", f.ws.Name)
	}).WithTimeout(teardownTimeout).Should(Succeed())
	_, found := f.b.Group(backendkey.Group(f.group))
	memberships := f.b.Memberships(backendkey.Group(f.group))
	switch f.policy {
	case identityv1alpha1.DeprovisionDelete:
		g.Expect(found).To(BeFalse(), "policy Delete deletes the group")
	case identityv1alpha1.DeprovisionDeactivate:
		g.Expect(found).To(BeTrue(), "policy Deactivate keeps the group record")
		g.Expect(memberships).To(BeEmpty(), "policy Deactivate removes the memberships")
	default:
		g.Expect(found).To(BeTrue(), "policy Retain keeps the group")
		g.Expect(memberships).To(HaveLen(len(f.users)), "policy Retain keeps the memberships")
	}
	lost, changed := f.wrong()
	t.Logf("%s (%d users): %d members lost, %d changed wrongly; converged after %.1fs",
		f.policy, len(f.users), lost, changed, time.Since(since).Seconds())
	g.Expect(lost).To(BeZero(), "members lost")
	g.Expect(changed).To(BeZero(), "members not as the policy %s says", f.policy)
}

// newGroupOf creates a group of ws holding users, in one shard, as the
// SCIM server would.
func newGroupOf(t *testing.T, e *testenv.Env, ws *identityv1alpha1.Workspace, users []*identityv1alpha1.WorkspaceUser) *identityv1alpha1.WorkspaceGroup {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	group := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ws.Namespace, Name: ws.Name + "-all", Finalizers: []string{identityv1alpha1.GroupFinalizer}},
		Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: ws.Name},
			DisplayName: "Everyone in " + ws.Name},
	}
	g.Expect(e.Client.Create(ctx, group)).To(Succeed())
	ids := make([]string, 0, len(users))
	for _, u := range users {
		ids = append(ids, string(u.UID))
	}
	for _, w := range groupmembers.Plan(groupmembers.Shards{}, ids, nil, identityv1alpha1.MaxMembersPerMembership) {
		g.Expect(e.Client.Create(ctx, &identityv1alpha1.WorkspaceGroupMembership{
			ObjectMeta: metav1.ObjectMeta{Namespace: ws.Namespace, Name: groupmembers.ShardName(group.Name, w.Prefix),
				Labels: map[string]string{identityv1alpha1.LabelGroup: group.Name}},
			Spec: identityv1alpha1.WorkspaceGroupMembershipSpec{GroupRef: identityv1alpha1.GroupReference{Name: group.Name},
				HashPrefix: w.Prefix, Members: w.Members},
		})).To(Succeed())
	}
	return group
}

var policies = []identityv1alpha1.DeprovisioningPolicy{
	identityv1alpha1.DeprovisionRetain, identityv1alpha1.DeprovisionDeactivate, identityv1alpha1.DeprovisionDelete,
}

// Deleting a Workspace deletes its users, and each member ends as the
// workspace's policy says before the Workspace goes.
func TestDeletingAWorkspaceDeprovisionsItsUsersByPolicy(t *testing.T) {
	opener := startTeardownControllers(t, env)
	for _, policy := range policies {
		t.Run(string(policy), func(t *testing.T) {
			ns := testenv.NewNamespace(t, env.Client)
			f := provision(t, env, opener, ns, "acme", policy, 10)
			start := time.Now()
			NewWithT(t).Expect(env.Client.Delete(context.Background(), f.ws)).To(Succeed())
			f.expectDeprovisioned(t, env, start)
		})
	}
}

// The shape of an uninstall at the level of objects: the Workspaces and
// their WorkspaceDomains are deleted at once. A domain that vanishes with
// its workspace is no withdrawn verification: the policy alone decides.
func TestWorkspacesDeletedWithTheirDomainsDeprovisionByPolicy(t *testing.T) {
	g := NewWithT(t)
	opener := startTeardownControllers(t, env)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	var fleets []*fleet
	for _, policy := range policies {
		fleets = append(fleets, provision(t, env, opener, ns, "ws-"+strings.ToLower(string(policy)), policy, 10))
	}
	start := time.Now()
	// One burst, as the deletion of the CRDs deletes every object: each
	// Workspace, then its domain, with no wait in between.
	for _, f := range fleets {
		g.Expect(env.Client.Delete(ctx, f.ws)).To(Succeed())
		g.Expect(env.Client.Delete(ctx, f.domain)).To(Succeed())
	}
	for _, f := range fleets {
		f.expectDeprovisioned(t, env, start)
	}
}

// The finding as it was made: three workspaces (Retain, Deactivate,
// Delete) of 30 synced users each, and `kubectl delete -f
// config/crd/bases` while the operator runs. It runs on a control plane
// of its own, since it deletes the CRDs.
func TestUninstallingTheCRDsDeprovisionsByPolicy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane of its own")
	}
	g := NewWithT(t)
	own, err := testenv.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = own.Stop() })
	opener := startTeardownControllers(t, own)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, own.Client)
	var fleets []*fleet
	for _, policy := range policies {
		fleets = append(fleets, provision(t, own, opener, ns, "ws-"+strings.ToLower(string(policy)), policy, 30))
	}

	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	files, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	sort.Strings(files) // kubectl delete -f DIR takes the files in this order
	g.Expect(files).To(ContainElements(HaveSuffix("_workspaces.yaml"), HaveSuffix("_workspaceusers.yaml"), HaveSuffix("_workspacedomains.yaml"),
		HaveSuffix("_workspacegroups.yaml"), HaveSuffix("_workspacegroupmemberships.yaml")))
	start := time.Now()
	var crds []client.Object
	for _, file := range files {
		objs, err := manifests.Read(file)
		g.Expect(err).NotTo(HaveOccurred())
		for _, crd := range objs {
			g.Expect(own.Client.Delete(ctx, crd)).To(Succeed())
			crds = append(crds, crd)
		}
	}
	g.Eventually(func(g Gomega) {
		for _, crd := range crds {
			err := own.Client.Get(ctx, client.ObjectKeyFromObject(crd), crd.DeepCopyObject().(client.Object))
			g.Expect(err).To(HaveOccurred(), "CRD %s is still there", crd.GetName())
		}
	}).WithTimeout(2 * teardownTimeout).Should(Succeed())
	took := time.Since(start).Seconds()
	var wrong []string
	for _, f := range fleets {
		lost, changed := f.wrong()
		t.Logf("%s (%d users): %d members lost, %d changed wrongly; CRDs gone after %.1fs",
			f.policy, len(f.users), lost, changed, took)
		if lost+changed > 0 {
			wrong = append(wrong, string(f.policy))
		}
	}
	g.Expect(wrong).To(BeEmpty(), "members not as their workspace's policy says")
}
