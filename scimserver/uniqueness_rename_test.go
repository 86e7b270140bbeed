package scimserver_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// TestRenamesAndCreatesRaceForOneUserName races PATCH renames of several
// users and POSTs to one userName through two replicas: exactly one request
// gets the name, every other one answers 409 uniqueness, and one
// WorkspaceUser holds it.
func TestRenamesAndCreatesRaceForOneUserName(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	onA := newTenant(t, a)
	onB := onA.on(b)
	g.Eventually(func() int { return onB.do("GET", "/ServiceProviderConfig", nil).status }).
		WithTimeout(10 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))

	var ids []string
	for i := 0; i < 4; i++ {
		r := onA.do("POST", "/Users", user(fmt.Sprintf("renamer-%d@example.com", i)))
		g.Expect(r.status).To(Equal(http.StatusCreated), r.String())
		ids = append(ids, r.body["id"].(string))
	}
	for _, id := range ids {
		g.Eventually(func() int { return onB.do("GET", "/Users/"+id, nil).status }).Should(Equal(http.StatusOK))
	}

	const target = "Wanted@example.com"
	rename := map[string]any{"Operations": []any{map[string]any{"op": "Replace", "path": "userName", "value": target}}}
	answers := make(chan response, 8)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		tn := []*tenant{onA, onB}[i%2]
		wg.Add(2)
		go func() { defer wg.Done(); <-start; answers <- tn.do("PATCH", "/Users/"+id, rename) }()
		go func() { defer wg.Done(); <-start; answers <- tn.do("POST", "/Users", user(strings.ToLower(target))) }()
	}
	close(start)
	wg.Wait()
	close(answers)

	won := 0
	for r := range answers {
		switch r.status {
		case http.StatusOK, http.StatusCreated:
			won++
		case http.StatusConflict:
			g.Expect(r.body["scimType"]).To(Equal("uniqueness"), r.String())
		default:
			t.Errorf("unexpected answer %s", r)
		}
	}
	g.Expect(won).To(Equal(1), "exactly one request gets the userName")

	list := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(onA.namespace))).To(Succeed())
	holders := 0
	for _, u := range list.Items {
		if strings.EqualFold(u.Spec.UserName, target) {
			holders++
		}
	}
	g.Expect(holders).To(Equal(1), "one WorkspaceUser holds the userName")
}
