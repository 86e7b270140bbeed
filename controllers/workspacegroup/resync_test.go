package workspacegroup_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

func shortResync(ws *identityv1alpha1.Workspace) {
	ws.Spec.ResyncInterval = &metav1.Duration{Duration: time.Second}
}

// A membership removed or added by hand in the backend, or a renamed
// group, is put right by the next resync; a resync that finds everything
// as it should be writes nothing, to the backend or to the status.
func TestResyncRepairsDriftAndWritesNothingAtRest(t *testing.T) {
	g := NewWithT(t)
	opener := startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, shortResync)
	claimDomain(t, "ok-"+ns+".test", ws, true)
	ada := newUser(t, ns, "ada", "ada@ok-"+ns+".test")
	bob := newUser(t, ns, "bob", "bob@ok-"+ns+".test")
	outsider := newUser(t, ns, "cy", "cy@ok-"+ns+".test")
	group := newGroup(t, ns, "eng", uids(ada, bob), identityv1alpha1.MaxMembersPerMembership)
	b := opener.Backend(ns, "acme")
	got := waitMembers(t, b, group, memberKeys(ada, bob), 2, 0)
	waitUserSynced(t, outsider)

	// At rest: three resyncs read the backend and write nothing.
	rv := got.ResourceVersion
	reads, writes := b.Calls(fake.OpGroupMembers), groupWrites(b)
	g.Eventually(func() int { return b.Calls(fake.OpGroupMembers) - reads }).WithTimeout(timeout).Should(BeNumerically(">=", 3))
	g.Expect(groupWrites(b)).To(Equal(writes), "a resync at rest wrote to the backend")
	g.Expect(getGroup(g, group).ResourceVersion).To(Equal(rv), "a resync at rest wrote the status")

	// Drift: one membership gone, one that should not be there, a rename.
	key := backendkey.Group(group)
	b.RemoveMembership(key, backendkey.Member(ada))
	b.PutMembership(key, backendkey.Member(outsider))
	g.Expect(b.UpsertGroup(context.Background(), backend.Group{Key: key, DisplayName: "renamed by hand"})).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(b.Memberships(key)).To(Equal(memberKeys(ada, bob)))
		stored, _ := b.Group(key)
		g.Expect(stored).To(Equal(backend.Group{Key: key, DisplayName: "Group eng", ExternalID: "ext-eng"}))
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		after := getGroup(g, group)
		g.Expect(after.Status.LastSyncTime.Time).To(BeTemporally(">", got.Status.LastSyncTime.Time))
	}).WithTimeout(timeout).Should(Succeed())
}

// groupWrites counts the calls that write groups or memberships.
func groupWrites(b *fake.Backend) int {
	return b.Calls(fake.OpUpsertGroup) + b.Calls(fake.OpAddGroupMembers) + b.Calls(fake.OpRemoveGroupMembers) + b.Calls(fake.OpDeleteGroup)
}

// A backend that cannot be reached marks the group Synced=False
// BackendUnavailable, with a Warning event, and the group converges once
// the backend is back (the controller's backoff retries it).
func TestBackendOutageThenRecovery(t *testing.T) {
	g := NewWithT(t)
	opener := startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns)
	claimDomain(t, "ok-"+ns+".test", ws, true)
	ada := newUser(t, ns, "ada", "ada@ok-"+ns+".test")
	bob := newUser(t, ns, "bob", "bob@ok-"+ns+".test")
	group := newGroup(t, ns, "eng", uids(ada), identityv1alpha1.MaxMembersPerMembership)
	b := opener.Backend(ns, "acme")
	waitMembers(t, b, group, memberKeys(ada), 1, 0)
	waitUserSynced(t, bob)

	b.SetDown(true)
	changeMembers(t, group, uids(bob), nil, identityv1alpha1.MaxMembersPerMembership)
	g.Eventually(func(g Gomega) {
		got := getGroup(g, group)
		c := condition(got, identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonBackendUnavailable))
		g.Expect(condition(got, identityv1alpha1.ConditionReady).Reason).To(Equal(identityv1alpha1.ReasonBackendUnavailable))
	}).WithTimeout(timeout).Should(Succeed())
	expectEvent(t, ns, group.Name, "Warning", identityv1alpha1.ReasonBackendUnavailable)

	b.SetDown(false)
	got := waitMembers(t, b, group, memberKeys(ada, bob), 2, 0)
	g.Expect(condition(got, identityv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
}
