package scimserver_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// TestUserNameUniqueAcrossReplicas races POSTs of one userName (in
// different cases) through two SCIM servers, each with its own manager and
// cache, against one API server: exactly one is created, the rest get
// 409 uniqueness, and one WorkspaceUser exists. Run it with -count=20.
func TestUserNameUniqueAcrossReplicas(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	onA := newTenant(t, a)
	onB := onA.on(b)
	g.Eventually(func() int { return onB.do("GET", "/ServiceProviderConfig", nil).status }).
		WithTimeout(10 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))

	names := []string{"race@example.com", "RACE@example.com", "Race@Example.com", "race@EXAMPLE.COM"}
	const perReplica = 4
	statuses := make(chan response, 2*perReplica)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < perReplica; i++ {
		for _, tn := range []*tenant{onA, onB} {
			wg.Add(1)
			go func(tn *tenant, userName string) {
				defer wg.Done()
				<-start
				statuses <- tn.do("POST", "/Users", user(userName))
			}(tn, names[i%len(names)])
		}
	}
	close(start)
	wg.Wait()
	close(statuses)

	created, conflicts := 0, 0
	for r := range statuses {
		switch r.status {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			conflicts++
			g.Expect(r.body["scimType"]).To(Equal("uniqueness"), r.String())
			g.Expect(r.body["status"]).To(Equal("409"))
		default:
			t.Errorf("unexpected answer %s", r)
		}
	}
	g.Expect(created).To(Equal(1), "exactly one POST creates the user")
	g.Expect(conflicts).To(Equal(2*perReplica - 1))

	list := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(onA.namespace))).To(Succeed())
	count := 0
	for _, u := range list.Items {
		if strings.EqualFold(u.Spec.UserName, "race@example.com") {
			count++
		}
	}
	g.Expect(count).To(Equal(1), "one WorkspaceUser holds the userName")

	// Both replicas find it by any case of the name.
	for _, tn := range []*tenant{onA, onB} {
		g.Eventually(func() any {
			return tn.do("GET", filterPath(`userName eq "RACE@EXAMPLE.COM"`), nil).body["totalResults"]
		}).WithTimeout(5 * time.Second).Should(BeNumerically("==", 1))
	}
}
