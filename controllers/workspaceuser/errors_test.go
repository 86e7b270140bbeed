package workspaceuser_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// An application that answers 429 with a Retry-After longer than the
// driver waits out is left alone for that long (no retry loop), and the
// user says why.
func TestLongRetryAfterIsWaitedOut(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	app := httpbackendtest.Start("app-token", "app-signing-key")
	t.Cleanup(app.Close)
	startWithRealBackends(t)

	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-credentials"},
		Data:       map[string][]byte{"token": []byte("app-token"), "signingKey": []byte("app-signing-key")},
	})).To(Succeed())
	ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) {
		w.Spec.Backend = identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendHTTP,
			HTTP: &identityv1alpha1.HTTPBackend{URL: app.URL(),
				CredentialsSecretRef: identityv1alpha1.SecretReference{Name: "app-credentials"}},
		}
	})
	claimDomain(t, "busy.example", ws, true)
	app.FailNext(httpbackendtest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "12"})
	u := newUser(t, ns, "busy", "acme", "busy@busy.example")

	g.Eventually(func(g Gomega) {
		c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonBackendUnavailable))
	}).WithTimeout(timeout).Should(Succeed())
	refusedAt := app.Arrivals()[0]
	waitSynced(t, u)
	arrivals := app.Arrivals()
	g.Expect(len(arrivals)).To(BeNumerically(">=", 2))
	g.Expect(arrivals[1].Sub(refusedAt)).To(BeNumerically(">=", 11*time.Second), "the next request waited for Retry-After")
}
