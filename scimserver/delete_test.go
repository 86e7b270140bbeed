package scimserver_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// holdFinalizer stands for the member finalizer of the WorkspaceUser
// controller while the member backend is unreachable: the deleted user stays
// in the API server, terminating, until it is removed.
const holdFinalizer = "test.rollcall.dev/hold"

// holdDeletion keeps the user with SCIM id id terminating once deleted, and
// lets it go at the end of the test.
func holdDeletion(t *testing.T, tn *tenant, id string) {
	t.Helper()
	ctx := context.Background()
	u := tn.stored(id)
	if u == nil {
		t.Fatalf("no WorkspaceUser with id %s", id)
	}
	base := u.DeepCopy()
	controllerutil.AddFinalizer(u, holdFinalizer)
	if err := env.Client.Patch(ctx, u, client.MergeFrom(base)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if u := tn.stored(id); u != nil {
			base := u.DeepCopy()
			controllerutil.RemoveFinalizer(u, holdFinalizer)
			_ = env.Client.Patch(ctx, u, client.MergeFrom(base))
		}
	})
}

// A user deleted through SCIM whose deletion waits for its member to be
// deprovisioned is gone for SCIM on every replica: 404 by id, not found by
// filter, and its userName can be provisioned again (Entra re-assigns a
// person after a hard delete).
func TestTerminatingUserIsGoneOnEveryReplica(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	onA := newTenant(t, a)
	onB := onA.on(b)
	g.Eventually(func() int { return onB.do("GET", "/ServiceProviderConfig", nil).status }).
		WithTimeout(10 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))

	created := onA.do("POST", "/Users", user("leaver@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	holdDeletion(t, onA, id)
	g.Eventually(func() int { return onB.do("GET", "/Users/"+id, nil).status }).
		WithTimeout(5 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))

	g.Expect(onA.do("DELETE", "/Users/"+id, nil).status).To(Equal(http.StatusNoContent))
	g.Eventually(func() bool { return !onA.stored(id).DeletionTimestamp.IsZero() }).Should(BeTrue())

	g.Eventually(func() int { return onB.do("GET", "/Users/"+id, nil).status }).
		WithTimeout(5*time.Second).WithPolling(20*time.Millisecond).Should(Equal(http.StatusNotFound), "GET of a deleted user on another replica")
	found := onB.do("GET", filterPath(`userName eq "leaver@example.com"`), nil)
	g.Expect(found.body["totalResults"]).To(BeNumerically("==", 0), "filter for a deleted user: %s", found)
	all := onB.do("GET", "/Users", nil)
	g.Expect(all.body["totalResults"]).To(BeNumerically("==", 0), "list after delete: %s", all)
	patched := onB.do("PATCH", "/Users/"+id, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": true}},
	})
	g.Expect(patched.status).To(Equal(http.StatusNotFound), patched.String())

	again := onB.do("POST", "/Users", user("leaver@example.com"))
	g.Expect(again.status).To(Equal(http.StatusCreated), "re-provision the userName of a deleted user: %s", again)
	g.Expect(again.body["id"]).NotTo(Equal(id))
}

// A user deleted with kubectl whose deletion waits for its member is gone for
// SCIM too: its userName, claim and all, can be provisioned again.
func TestUserNameOfAUserDeletedByHandIsFree(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	created := tn.do("POST", "/Users", user("handled@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	holdDeletion(t, tn, id)
	g.Expect(env.Client.Delete(context.Background(), tn.stored(id))).To(Succeed())

	g.Eventually(func() int { return tn.do("GET", "/Users/"+id, nil).status }).
		WithTimeout(5 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusNotFound))
	again := tn.do("POST", "/Users", user("handled@example.com"))
	g.Expect(again.status).To(Equal(http.StatusCreated), again.String())
}
