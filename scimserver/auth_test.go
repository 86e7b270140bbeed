package scimserver_test

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
)

// A token Secret whose token is shorter than the Workspace controller
// accepts (it reports the Workspace not Ready) must not open the endpoint
// either: a guessable token would otherwise work while the Workspace says it
// is unusable.
func TestTooShortTokenNeverOpens(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	tn.updateToken(func(secret *corev1.Secret) { secret.Data["token"] = []byte("changeme") })

	// Once the old token is refused, the server has read the new Secret.
	g.Eventually(func() int { return tn.do("GET", "/Users", nil).status }).
		WithTimeout(15 * time.Second).Should(Equal(http.StatusUnauthorized))
	resp := tn.doWith("changeme", "GET", "/Users", nil)
	g.Expect(resp.status).To(Equal(http.StatusUnauthorized), resp.String())
}
