package scimserver_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rollcall-dev/rollcall/scimserver"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// A user deleted outside SCIM (kubectl delete, and no garbage collector in
// this control plane) leaves its userName claim behind. The claim is
// respected while it is young, then recognised as stale and taken over.
func TestStaleUserNameClaimIsTakenOver(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r := startReplica(t)
	tn := newTenant(t, r)
	created := tn.do("POST", "/Users", user("ghost@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated))
	u := tn.stored(created.body["id"].(string))
	g.Expect(env.Client.Delete(ctx, u)).To(Succeed())
	g.Eventually(func() int { return tn.do("GET", "/Users/"+string(u.UID), nil).status }).Should(Equal(http.StatusNotFound))

	leases := &coordinationv1.LeaseList{}
	g.Expect(env.Client.List(ctx, leases, client.InNamespace(tn.namespace), client.MatchingLabels{store.LabelClaim: "userName"})).To(Succeed())
	g.Expect(leases.Items).To(HaveLen(1), "the claim outlived its user")
	g.Expect(leases.Items[0].OwnerReferences).To(ConsistOf(HaveField("UID", u.UID)), "in a real cluster the garbage collector removes it")

	again := tn.do("POST", "/Users", user("ghost@example.com"))
	g.Expect(again.status).To(Equal(http.StatusConflict), "a young claim may belong to a POST in flight: %s", again)

	scimserver.SetClock(r.server, testingclock.NewFakePassiveClock(time.Now().Add(time.Minute)))
	again = tn.do("POST", "/Users", user("GHOST@example.com"))
	g.Expect(again.status).To(Equal(http.StatusCreated), again.String())
	g.Expect(env.Client.List(ctx, leases, client.InNamespace(tn.namespace), client.MatchingLabels{store.LabelClaim: "userName"})).To(Succeed())
	g.Expect(leases.Items).To(HaveLen(1))
	g.Expect(*leases.Items[0].Spec.HolderIdentity).To(Equal(tn.stored(again.body["id"].(string)).Name))
}

// Writes through two replicas whose caches lag each other: a PATCH built
// on a stale read is re-applied on a fresh one, so no change is lost.
func TestConcurrentPatchesThroughTwoReplicasLoseNothing(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	onA := newTenant(t, a)
	onB := onA.on(b)
	g.Eventually(func() int { return onB.do("GET", "/ServiceProviderConfig", nil).status }).Should(Equal(http.StatusOK))
	created := onA.do("POST", "/Users", user("busy@example.com"))
	id := created.body["id"].(string)
	g.Eventually(func() int { return onB.do("GET", "/Users/"+id, nil).status }).Should(Equal(http.StatusOK))

	attrs := []string{"displayName", "nickName", "title", "userType", "preferredLanguage", "locale", "timezone", "profileUrl"}
	var wg sync.WaitGroup
	for i, attr := range attrs {
		tn := onA
		if i%2 == 1 {
			tn = onB
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "add", "path": attr, "value": "v-" + attr}}})
			if r.status != http.StatusOK {
				t.Errorf("PATCH %s: %s", attr, r)
			}
		}()
	}
	wg.Wait()
	stored := onA.stored(id)
	g.Expect(stored.Spec.DisplayName).To(Equal("v-displayName"))
	g.Expect(stored.Spec.NickName).To(Equal("v-nickName"))
	g.Expect(stored.Spec.Title).To(Equal("v-title"))
	g.Expect(stored.Spec.UserType).To(Equal("v-userType"))
	g.Expect(stored.Spec.PreferredLanguage).To(Equal("v-preferredLanguage"))
	g.Expect(stored.Spec.Locale).To(Equal("v-locale"))
	g.Expect(stored.Spec.Timezone).To(Equal("v-timezone"))
	g.Expect(stored.Spec.ProfileURL).To(Equal("v-profileUrl"))
	// Each replica sees the other's writes once its cache has them.
	for _, tn := range []*tenant{onA, onB} {
		g.Eventually(func(g Gomega) {
			final := tn.do("GET", "/Users/"+id, nil)
			for _, attr := range attrs {
				g.Expect(final.body).To(HaveKeyWithValue(attr, "v-"+attr))
			}
		}).WithTimeout(5 * time.Second).Should(Succeed())
	}
}
