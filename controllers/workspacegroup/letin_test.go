package workspacegroup_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// Only let-in users become members in the backend; a held user's
// membership waits in the shards and is applied when its domain is
// approved.
func TestMembershipsOfLetInUsersOnly(t *testing.T) {
	g := NewWithT(t)
	opener := startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns)
	claimDomain(t, "good-"+ns+".test", ws, true)
	held := claimDomain(t, "held-"+ns+".test", ws, false)
	ada := newUser(t, ns, "ada", "ada@good-"+ns+".test")
	bob := newUser(t, ns, "bob", "bob@good-"+ns+".test")
	cy := newUser(t, ns, "cy", "cy@held-"+ns+".test")
	nobody := string(uuid.NewUUID())
	group := newGroup(t, ns, "eng", append(uids(ada, bob, cy), nobody), identityv1alpha1.MaxMembersPerMembership)
	b := opener.Backend(ns, "acme")

	got := waitMembers(t, b, group, memberKeys(ada, bob), 4, 2)
	g.Expect(got.Status.GroupKey).To(Equal(backendkey.Group(got)))
	g.Expect(got.Status.LastSyncTime).NotTo(BeNil())
	ready := condition(got, identityv1alpha1.ConditionReady)
	g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
	g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonMembersPending))
	g.Expect(ready.Message).To(ContainSubstring("2 of 4 members wait (1 not let in yet, 1 with no such user"))
	stored, found := b.Group(backendkey.Group(got))
	g.Expect(found).To(BeTrue())
	g.Expect(stored).To(Equal(backend.Group{Key: backendkey.Group(got), DisplayName: "Group eng", ExternalID: "ext-eng"}))
	_, cyMember := b.Member(backendkey.Member(cy))
	g.Expect(cyMember).To(BeFalse(), "a held user is not in the backend at all")

	// Approving the domain lets cy in: the user controller writes its
	// member, and the group follows without any write to the group.
	rv := got.ResourceVersion
	setVerified(t, held)
	got = waitMembers(t, b, group, memberKeys(ada, bob, cy), 4, 1)
	g.Expect(got.Generation).To(Equal(group.Generation))
	_ = rv

	// Renaming the group reaches the backend.
	g.Eventually(func(g Gomega) {
		cur := getGroup(g, group)
		cur.Spec.DisplayName = "Engineering"
		g.Expect(env.Client.Update(context.Background(), cur)).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		stored, _ := b.Group(backendkey.Group(group))
		g.Expect(stored.DisplayName).To(Equal("Engineering"))
		g.Expect(condition(getGroup(g, group), identityv1alpha1.ConditionSynced).ObservedGeneration).To(Equal(group.Generation + 1))
	}).WithTimeout(timeout).Should(Succeed())
	g.Expect(b.Memberships(backendkey.Group(group))).To(Equal(memberKeys(ada, bob, cy)))
}

// Deactivating a user removes its membership; reactivating it restores the
// membership from the shards, with no write to the group (Entra does not
// replay memberships on reactivation).
func TestDeactivationAndReactivation(t *testing.T) {
	g := NewWithT(t)
	opener := startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns)
	claimDomain(t, "ok-"+ns+".test", ws, true)
	ada := newUser(t, ns, "ada", "ada@ok-"+ns+".test")
	bob := newUser(t, ns, "bob", "bob@ok-"+ns+".test")
	group := newGroup(t, ns, "eng", uids(ada, bob), identityv1alpha1.MaxMembersPerMembership)
	b := opener.Backend(ns, "acme")
	waitMembers(t, b, group, memberKeys(ada, bob), 2, 0)
	_, shardsBefore := shardsOf(t, group)

	inactive, active := false, true
	updateUser(t, ada, func(u *identityv1alpha1.WorkspaceUser) { u.Spec.Active = &inactive })
	got := waitMembers(t, b, group, memberKeys(bob), 2, 1)
	g.Expect(condition(got, identityv1alpha1.ConditionReady).Reason).To(Equal(identityv1alpha1.ReasonMembersPending))
	g.Eventually(func(g Gomega) {
		m, found := b.Member(backendkey.Member(ada))
		g.Expect(found).To(BeTrue())
		g.Expect(m.Active).To(BeFalse())
	}).WithTimeout(timeout).Should(Succeed())

	updateUser(t, ada, func(u *identityv1alpha1.WorkspaceUser) { u.Spec.Active = &active })
	got = waitMembers(t, b, group, memberKeys(ada, bob), 2, 0)
	g.Expect(condition(got, identityv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
	g.Expect(got.Generation).To(Equal(group.Generation), "the group was not written")
	_, shardsAfter := shardsOf(t, group)
	for p, m := range shardsBefore {
		g.Expect(shardsAfter[p].ResourceVersion).To(Equal(m.ResourceVersion), "shard %q was not written", p)
	}
}

// A deleted user's membership leaves the backend, also under the policy
// Deactivate, which keeps the member record (and so its memberships).
func TestDeletedUserLeavesTheGroup(t *testing.T) {
	g := NewWithT(t)
	opener := startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns)
	claimDomain(t, "ok-"+ns+".test", ws, true)
	ada := newUser(t, ns, "ada", "ada@ok-"+ns+".test")
	bob := newUser(t, ns, "bob", "bob@ok-"+ns+".test")
	group := newGroup(t, ns, "eng", uids(ada, bob), identityv1alpha1.MaxMembersPerMembership)
	b := opener.Backend(ns, "acme")
	waitMembers(t, b, group, memberKeys(ada, bob), 2, 0)

	g.Expect(env.Client.Delete(context.Background(), ada)).To(Succeed())
	g.Eventually(func(g Gomega) { gone(g, ada) }).WithTimeout(timeout).Should(Succeed())
	waitMembers(t, b, group, memberKeys(bob), 2, 1)
	m, found := b.Member(backendkey.Member(ada))
	g.Expect(found).To(BeTrue(), "policy Deactivate keeps the member")
	g.Expect(m.Active).To(BeFalse())

	// Removing the id from the group as the identity provider would settles it.
	changeMembers(t, group, nil, uids(ada), identityv1alpha1.MaxMembersPerMembership)
	got := waitMembers(t, b, group, memberKeys(bob), 1, 0)
	g.Expect(condition(got, identityv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
}

// A group is deprovisioned by its workspace's policy before it goes.
func TestGroupDeletedUnderEachPolicy(t *testing.T) {
	opener := startControllers(t, 0)
	for _, policy := range []identityv1alpha1.DeprovisioningPolicy{
		identityv1alpha1.DeprovisionDelete, identityv1alpha1.DeprovisionDeactivate, identityv1alpha1.DeprovisionRetain,
	} {
		t.Run(string(policy), func(t *testing.T) {
			g := NewWithT(t)
			ns := testenv.NewNamespace(t, env.Client)
			ws := newWorkspace(t, ns, func(ws *identityv1alpha1.Workspace) { ws.Spec.Deprovisioning = policy })
			claimDomain(t, "ok-"+ns+".test", ws, true)
			ada := newUser(t, ns, "ada", "ada@ok-"+ns+".test")
			group := newGroup(t, ns, "eng", uids(ada), identityv1alpha1.MaxMembersPerMembership)
			b := opener.Backend(ns, "acme")
			waitMembers(t, b, group, memberKeys(ada), 1, 0)

			g.Expect(env.Client.Delete(context.Background(), group)).To(Succeed())
			g.Eventually(func(g Gomega) { gone(g, group) }).WithTimeout(timeout).Should(Succeed())
			stored, found := b.Group(backendkey.Group(group))
			members := b.Memberships(backendkey.Group(group))
			switch policy {
			case identityv1alpha1.DeprovisionDelete:
				g.Expect(found).To(BeFalse())
				g.Expect(members).To(BeEmpty())
			case identityv1alpha1.DeprovisionDeactivate:
				g.Expect(found).To(BeTrue(), "the group record is kept")
				g.Expect(stored.DisplayName).To(Equal("Group eng"))
				g.Expect(members).To(BeEmpty())
			case identityv1alpha1.DeprovisionRetain:
				g.Expect(found).To(BeTrue())
				g.Expect(members).To(Equal(memberKeys(ada)))
			}
			_, member := b.Member(backendkey.Member(ada))
			g.Expect(member).To(BeTrue(), "deleting a group leaves its users' members")
		})
	}
}

var _ = fake.OpAddGroupMembers
