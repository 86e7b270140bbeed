package workspacegroup_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// A group of 6,000 members outgrows one shard of 5,000 and is split into
// sixteen; every member reaches the backend, in calls of at most 1,000.
func TestSplitGroupFullySynced(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 6,000 users")
	}
	g := NewWithT(t)
	opener := startControllers(t, 16)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns)
	claimDomain(t, "big-"+ns+".test", ws, true)
	start := time.Now()
	users := newUsers(t, ns, "u", "big-"+ns+".test", 6000)
	t.Logf("created 6,000 users in %s", time.Since(start).Round(time.Millisecond))
	group := newGroup(t, ns, "all", uids(users[:4000]...), identityv1alpha1.MaxMembersPerMembership)
	shards, _ := shardsOf(t, group)
	g.Expect(shards).To(HaveLen(1))
	changeMembers(t, group, uids(users[4000:]...), nil, identityv1alpha1.MaxMembersPerMembership)
	shards, _ = shardsOf(t, group)
	g.Expect(shards).To(HaveLen(16), "6,000 members split the shard")
	g.Expect(shards.Len()).To(Equal(6000))

	b := opener.Backend(ns, "acme")
	start = time.Now()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(len(b.Memberships(backendkey.Group(group)))).To(Equal(6000))
	}).WithTimeout(3 * time.Minute).Should(Succeed())
	got := waitMembers(t, b, group, memberKeys(users...), 6000, 0)
	t.Logf("all 6,000 memberships in the backend %s after the split", time.Since(start).Round(time.Millisecond))
	g.Expect(condition(got, identityv1alpha1.ConditionReady).Status).To(BeEquivalentTo("True"))
	g.Expect(b.Calls(fake.OpAddGroupMembers)).To(BeNumerically(">=", 6), "at most 1,000 keys per call")
}
