package scimserver_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/types"
	testingclock "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// A user deleted outside SCIM (kubectl delete, its member then deprovisioned
// by the user controller) leaves its userName claim behind. The claim is
// respected while it is young, then recognised as stale and taken over.
func TestStaleUserNameClaimIsTakenOver(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r := startReplica(t)
	tn := newTenant(t, r)
	created := tn.do("POST", "/Users", user("ghost@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated))
	u := tn.stored(created.body["id"].(string))
	g.Expect(u.Finalizers).To(ConsistOf(identityv1alpha1.MemberFinalizer), "the SCIM server sets the member finalizer at create")
	g.Expect(env.Client.Delete(ctx, u)).To(Succeed())
	// What the user controller does once the member is deprovisioned (none runs here).
	g.Expect(env.Client.Patch(ctx, u, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))).To(Succeed())
	g.Eventually(func() int { return tn.do("GET", "/Users/"+string(u.UID), nil).status }).Should(Equal(http.StatusNotFound))

	leases := &coordinationv1.LeaseList{}
	g.Expect(env.Client.List(ctx, leases, client.InNamespace(tn.namespace), client.MatchingLabels{store.LabelClaim: "userName"})).To(Succeed())
	g.Expect(leases.Items).To(HaveLen(1), "the claim outlived its user")
	g.Expect(leases.Items[0].OwnerReferences).To(ConsistOf(HaveField("UID", tn.workspace.UID)),
		"the workspace owns its claims: the garbage collector removes them with it")

	again := tn.do("POST", "/Users", user("ghost@example.com"))
	g.Expect(again.status).To(Equal(http.StatusConflict), "a young claim may belong to a POST in flight: %s", again)

	scimserver.SetClock(r.server, testingclock.NewFakePassiveClock(time.Now().Add(time.Minute)))
	again = tn.do("POST", "/Users", user("GHOST@example.com"))
	g.Expect(again.status).To(Equal(http.StatusCreated), again.String())
	g.Expect(env.Client.List(ctx, leases, client.InNamespace(tn.namespace), client.MatchingLabels{store.LabelClaim: "userName"})).To(Succeed())
	g.Expect(leases.Items).To(HaveLen(1))
	g.Expect(*leases.Items[0].Spec.HolderIdentity).To(Equal(tn.stored(again.body["id"].(string)).Name))
}
