package workspacegroup_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend/memberbackendtest"
	"github.com/rollcall-dev/rollcall/controllers/workspacegroup"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

const timeout = 30 * time.Second

// startControllers runs the user and group controllers in one manager, as
// cmd/manager does (the groups borrow the users' backend slots), with a
// fake backend per workspace.
func startControllers(t *testing.T, userWorkers int) *memberbackendtest.Opener {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opener := &memberbackendtest.Opener{}
	users := &workspaceuser.Reconciler{Client: mgr.GetClient(), Backends: opener,
		BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second, Workers: userWorkers}
	if err := users.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	groups := &workspacegroup.Reconciler{Client: mgr.GetClient(), Backends: opener,
		BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second,
		Slots: users.BackendSlots(), SlotsPerWorkspace: users.SlotsPerWorkspace()}
	if err := groups.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
	return opener
}

func newWorkspace(t *testing.T, ns string, mutate ...func(*identityv1alpha1.Workspace)) *identityv1alpha1.Workspace {
	t.Helper()
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"},
		Spec: identityv1alpha1.WorkspaceSpec{
			Backend: identityv1alpha1.BackendSpec{
				Type: identityv1alpha1.BackendSQL,
				SQL: &identityv1alpha1.SQLBackend{Driver: identityv1alpha1.SQLDriverSQLite,
					DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "members-db", Key: "dsn"}},
			},
			ResyncInterval: &metav1.Duration{Duration: time.Hour},
		},
	}
	for _, m := range mutate {
		m(ws)
	}
	NewWithT(t).Expect(env.Client.Create(context.Background(), ws)).To(Succeed())
	return ws
}

// claimDomain creates the WorkspaceDomain for ws and, when verified, sets
// Verified=True as an approver would. It is deleted when the test ends.
func claimDomain(t *testing.T, domain string, ws *identityv1alpha1.Workspace, verified bool) *identityv1alpha1.WorkspaceDomain {
	t.Helper()
	d := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: domain},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ws.Namespace, Name: ws.Name},
		},
	}
	NewWithT(t).Expect(env.Client.Create(context.Background(), d)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), d) })
	if verified {
		setVerified(t, d)
	}
	return d
}

// setVerified writes Verified=True with the admin client, as an approver
// would; the admission policy wants the message to name the approver.
func setVerified(t *testing.T, d *identityv1alpha1.WorkspaceDomain) {
	t.Helper()
	g := NewWithT(t)
	approver, err := whoami.Username(context.Background(), env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		cur := &identityv1alpha1.WorkspaceDomain{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(d), cur)).To(Succeed())
		meta.SetStatusCondition(&cur.Status.Conditions, metav1.Condition{
			Type: identityv1alpha1.ConditionVerified, Status: metav1.ConditionTrue, Reason: identityv1alpha1.ReasonApproved,
			Message: "set by " + approver, ObservedGeneration: cur.Generation,
		})
		g.Expect(env.Client.Status().Update(context.Background(), cur)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
}

func newUser(t *testing.T, ns, name, email string) *identityv1alpha1.WorkspaceUser {
	t.Helper()
	u := userObject(ns, name, email)
	NewWithT(t).Expect(env.Client.Create(context.Background(), u)).To(Succeed())
	return u
}

func userObject(ns, name, email string) *identityv1alpha1.WorkspaceUser {
	return &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			UserName:     email,
			DisplayName:  "User " + name,
			Emails:       []identityv1alpha1.Email{{Value: email, Type: "work", Primary: true}},
		},
	}
}

// newUsers creates n users name-0 … name-(n-1) at domain, a few at a time.
func newUsers(t *testing.T, ns, name, domain string, n int) []*identityv1alpha1.WorkspaceUser {
	t.Helper()
	users := make([]*identityv1alpha1.WorkspaceUser, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				u := userObject(ns, fmt.Sprintf("%s-%d", name, i), fmt.Sprintf("%s-%d@%s", name, i, domain))
				if err := env.Client.Create(context.Background(), u); err != nil {
					errs <- err
					continue
				}
				users[i] = u
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return users
}

func uids(users ...*identityv1alpha1.WorkspaceUser) []string {
	out := make([]string, 0, len(users))
	for _, u := range users {
		out = append(out, string(u.UID))
	}
	return out
}

func memberKeys(users ...*identityv1alpha1.WorkspaceUser) []string {
	out := make([]string, 0, len(users))
	for _, u := range users {
		out = append(out, backendkey.Member(u))
	}
	slices.Sort(out)
	return out
}

// newGroup creates a WorkspaceGroup (with the finalizer, as the SCIM server
// does) and its membership shards of up to maxPerShard members.
func newGroup(t *testing.T, ns, name string, members []string, maxPerShard int) *identityv1alpha1.WorkspaceGroup {
	t.Helper()
	g := NewWithT(t)
	group := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Finalizers: []string{identityv1alpha1.GroupFinalizer},
			Labels: map[string]string{identityv1alpha1.LabelWorkspace: "acme"}},
		Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			DisplayName: "Group " + name, ExternalID: "ext-" + name},
	}
	g.Expect(env.Client.Create(context.Background(), group)).To(Succeed())
	changeMembers(t, group, members, nil, maxPerShard)
	return group
}

// shardsOf reads the group's shards from the API server.
func shardsOf(t *testing.T, group *identityv1alpha1.WorkspaceGroup) (groupmembers.Shards, map[string]*identityv1alpha1.WorkspaceGroupMembership) {
	t.Helper()
	list := &identityv1alpha1.WorkspaceGroupMembershipList{}
	NewWithT(t).Expect(env.Client.List(context.Background(), list, client.InNamespace(group.Namespace),
		client.MatchingLabels{identityv1alpha1.LabelGroup: group.Name})).To(Succeed())
	shards := groupmembers.Shards{}
	objs := map[string]*identityv1alpha1.WorkspaceGroupMembership{}
	for i := range list.Items {
		m := &list.Items[i]
		shards[m.Spec.HashPrefix] = m.Spec.Members
		objs[m.Spec.HashPrefix] = m
	}
	return shards, objs
}

// changeMembers writes the shards as the SCIM server would (groupmembers.Plan).
func changeMembers(t *testing.T, group *identityv1alpha1.WorkspaceGroup, add, remove []string, maxPerShard int) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	shards, objs := shardsOf(t, group)
	for _, w := range groupmembers.Plan(shards, add, remove, maxPerShard) {
		switch w.Op {
		case groupmembers.Create:
			m := &identityv1alpha1.WorkspaceGroupMembership{
				ObjectMeta: metav1.ObjectMeta{Namespace: group.Namespace, Name: groupmembers.ShardName(group.Name, w.Prefix),
					Labels: map[string]string{identityv1alpha1.LabelGroup: group.Name, identityv1alpha1.LabelWorkspace: "acme"},
					OwnerReferences: []metav1.OwnerReference{{APIVersion: identityv1alpha1.GroupVersion.String(), Kind: "WorkspaceGroup",
						Name: group.Name, UID: group.UID}}},
				Spec: identityv1alpha1.WorkspaceGroupMembershipSpec{GroupRef: identityv1alpha1.GroupReference{Name: group.Name},
					HashPrefix: w.Prefix, Members: w.Members},
			}
			g.Expect(env.Client.Create(ctx, m)).To(Succeed())
		case groupmembers.Update:
			m := objs[w.Prefix]
			m.Spec.Members = w.Members
			g.Expect(env.Client.Update(ctx, m)).To(Succeed())
		case groupmembers.Delete:
			g.Expect(env.Client.Delete(ctx, objs[w.Prefix])).To(Succeed())
		}
	}
}

func getGroup(g Gomega, group *identityv1alpha1.WorkspaceGroup) *identityv1alpha1.WorkspaceGroup {
	got := &identityv1alpha1.WorkspaceGroup{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(group), got)).To(Succeed())
	return got
}

func condition(group *identityv1alpha1.WorkspaceGroup, condType string) metav1.Condition {
	if c := meta.FindStatusCondition(group.Status.Conditions, condType); c != nil {
		return *c
	}
	return metav1.Condition{Type: condType, Status: "Missing"}
}

// waitMembers waits until the backend holds exactly keys as the group's
// members and the status counts say so, and returns the group.
func waitMembers(t *testing.T, b *fake.Backend, group *identityv1alpha1.WorkspaceGroup, keys []string, total, pending int32) *identityv1alpha1.WorkspaceGroup {
	t.Helper()
	var got *identityv1alpha1.WorkspaceGroup
	want := slices.Clone(keys)
	slices.Sort(want)
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(b.Memberships(backendkey.Group(group))).To(Equal(want))
		got = getGroup(g, group)
		g.Expect(got.Status.Members).To(Equal(identityv1alpha1.GroupMemberCounts{Total: total, Synced: int32(len(keys)), Pending: pending}))
		c := condition(got, identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "Synced: %+v", c)
		g.Expect(c.ObservedGeneration).To(Equal(got.Generation))
	}).WithTimeout(timeout).Should(Succeed())
	return got
}

// waitUserSynced waits for the user's Synced=True at its generation.
func waitUserSynced(t *testing.T, users ...*identityv1alpha1.WorkspaceUser) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		for _, u := range users {
			got := &identityv1alpha1.WorkspaceUser{}
			g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(u), got)).To(Succeed())
			c := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionSynced)
			g.Expect(c).NotTo(BeNil(), u.Name)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), u.Name)
			g.Expect(c.ObservedGeneration).To(Equal(got.Generation), u.Name)
		}
	}).WithTimeout(timeout).Should(Succeed())
}

func updateUser(t *testing.T, u *identityv1alpha1.WorkspaceUser, change func(*identityv1alpha1.WorkspaceUser)) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		cur := &identityv1alpha1.WorkspaceUser{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(u), cur)).To(Succeed())
		change(cur)
		g.Expect(env.Client.Update(context.Background(), cur)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
}

func gone(g Gomega, obj client.Object) {
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	g.Expect(err).To(HaveOccurred())
	g.Expect(client.IgnoreNotFound(err)).To(Succeed())
}

// expectEvent waits for an event of type and reason about the named object.
func expectEvent(t *testing.T, ns, name, eventType, reason string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
		var seen []string
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Type == eventType && e.Reason == reason {
				return
			}
			seen = append(seen, e.Regarding.Name+" "+e.Type+" "+e.Reason)
		}
		g.Expect(seen).To(ContainElement(name + " " + eventType + " " + reason))
	}).WithTimeout(timeout).Should(Succeed())
}
