package workspaceuser_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// The real opener and the HTTP driver against an application on loopback
// that verifies every signature; a change of the credentials Secret is
// picked up at once.
func TestHTTPBackendEndToEnd(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	app := httpbackendtest.Start("app-token", "app-signing-key")
	t.Cleanup(app.Close)

	startWithRealBackends(t)

	ns := testenv.NewNamespace(t, env.Client)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-credentials"},
		Data:       map[string][]byte{"token": []byte("app-token"), "signingKey": []byte("app-signing-key")},
	}
	g.Expect(env.Client.Create(ctx, secret)).To(Succeed())
	ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) {
		w.Spec.Backend = identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendHTTP,
			HTTP: &identityv1alpha1.HTTPBackend{URL: app.URL(),
				CredentialsSecretRef: identityv1alpha1.SecretReference{Name: "app-credentials"}},
		}
	})
	claimDomain(t, "http.example", ws, true)
	u := newUser(t, ns, "ada", "acme", "ada@http.example")
	key := waitSynced(t, u).Status.MemberKey
	m, ok := app.Member(key)
	g.Expect(ok).To(BeTrue())
	g.Expect(m.UserName).To(Equal("ada@http.example"))

	// A wrong signing key in the Secret: the application refuses, the user says why.
	setSecret := func(signingKey string) {
		g.Eventually(func(g Gomega) {
			cur := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(secret), cur)).To(Succeed())
			cur.Data["signingKey"] = []byte(signingKey)
			g.Expect(env.Client.Update(ctx, cur)).To(Succeed())
		}).WithTimeout(timeout).Should(Succeed())
	}
	setSecret("not-the-key")
	g.Eventually(func(g Gomega) {
		c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonInvalidCredentials))
	}).WithTimeout(timeout).Should(Succeed())

	// Fixed: the user is synced again, with no second member.
	setSecret("app-signing-key")
	waitSynced(t, u)
	g.Expect(app.Len()).To(Equal(1))
}
