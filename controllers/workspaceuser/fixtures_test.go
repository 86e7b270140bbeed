package workspaceuser_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend/memberbackendtest"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

const timeout = 30 * time.Second

// fakeOpener gives each workspace its own in-memory backend.
type fakeOpener struct{ memberbackendtest.Opener }

func (o *fakeOpener) backend(namespace, name string) *fake.Backend { return o.Backend(namespace, name) }

// startController runs the WorkspaceUser controller with backends from opener.
func startController(t *testing.T, opener memberbackend.Opener) {
	t.Helper()
	startControllerWith(t, func(ctrl.Manager) memberbackend.Opener { return opener })
}

// startWithRealBackends runs the WorkspaceUser controller with the real
// opener (memberbackend.Cache), so backends are the real drivers.
func startWithRealBackends(t *testing.T) {
	t.Helper()
	startControllerWith(t, func(mgr ctrl.Manager) memberbackend.Opener {
		cache := memberbackend.NewCache(mgr.GetClient(), mgr.GetAPIReader())
		t.Cleanup(cache.Close)
		return cache
	})
}

func startControllerWith(t *testing.T, opener func(ctrl.Manager) memberbackend.Opener) {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &workspaceuser.Reconciler{
		Client:      mgr.GetClient(),
		Backends:    opener(mgr),
		BackoffBase: 100 * time.Millisecond,
		BackoffMax:  2 * time.Second,
	}
	if err := r.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
}

func newWorkspace(t *testing.T, ns, name string, mutate ...func(*identityv1alpha1.Workspace)) *identityv1alpha1.Workspace {
	t.Helper()
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
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
	g := NewWithT(t)
	d := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: domain},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ws.Namespace, Name: ws.Name},
		},
	}
	g.Expect(env.Client.Create(context.Background(), d)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), d) })
	if verified {
		setVerified(t, d, metav1.ConditionTrue, identityv1alpha1.ReasonApproved)
	}
	return d
}

// setVerified writes the Verified condition with the admin client. The
// admission policy wants the message to name the approver.
func setVerified(t *testing.T, d *identityv1alpha1.WorkspaceDomain, status metav1.ConditionStatus, reason string) {
	t.Helper()
	g := NewWithT(t)
	approver, err := whoami.Username(context.Background(), env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(func(g Gomega) {
		cur := &identityv1alpha1.WorkspaceDomain{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(d), cur)).To(Succeed())
		meta.SetStatusCondition(&cur.Status.Conditions, metav1.Condition{
			Type: identityv1alpha1.ConditionVerified, Status: status, Reason: reason,
			Message: "set by " + approver, ObservedGeneration: cur.Generation,
		})
		g.Expect(env.Client.Status().Update(context.Background(), cur)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
}

func newUser(t *testing.T, ns, name, workspace, email string, mutate ...func(*identityv1alpha1.WorkspaceUser)) *identityv1alpha1.WorkspaceUser {
	t.Helper()
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: workspace},
			UserName:     email,
			ExternalID:   "ext-" + name,
			DisplayName:  "User " + name,
			Name:         &identityv1alpha1.Name{GivenName: "Given " + name, FamilyName: "Family"},
			Emails:       []identityv1alpha1.Email{{Value: email, Type: "work", Primary: true}},
		},
	}
	for _, m := range mutate {
		m(u)
	}
	NewWithT(t).Expect(env.Client.Create(context.Background(), u)).To(Succeed())
	return u
}

func getUser(g Gomega, u *identityv1alpha1.WorkspaceUser) *identityv1alpha1.WorkspaceUser {
	got := &identityv1alpha1.WorkspaceUser{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(u), got)).To(Succeed())
	return got
}

func condition(u *identityv1alpha1.WorkspaceUser, condType string) metav1.Condition {
	if c := meta.FindStatusCondition(u.Status.Conditions, condType); c != nil {
		return *c
	}
	return metav1.Condition{Type: condType, Status: "Missing"}
}

// waitSynced waits for Synced=True at the current generation and returns the user.
func waitSynced(t *testing.T, u *identityv1alpha1.WorkspaceUser) *identityv1alpha1.WorkspaceUser {
	t.Helper()
	var got *identityv1alpha1.WorkspaceUser
	NewWithT(t).Eventually(func(g Gomega) {
		got = getUser(g, u)
		c := condition(got, identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "Synced: %+v", c)
		g.Expect(c.ObservedGeneration).To(Equal(got.Generation))
	}).WithTimeout(timeout).Should(Succeed())
	return got
}

func update(t *testing.T, u *identityv1alpha1.WorkspaceUser, change func(*identityv1alpha1.WorkspaceUser)) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		cur := getUser(g, u)
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
