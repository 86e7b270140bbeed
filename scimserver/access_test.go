package scimserver_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

func TestTokensOpenOnlyTheirWorkspace(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	a := newTenant(t, r)
	b := newTenantIn(t, r, a.namespace, "beta")
	elsewhere := newTenant(t, r)

	g.Expect(a.do("GET", "/Users", nil).status).To(Equal(http.StatusOK))
	for name, token := range map[string]string{
		"no token":                           "",
		"a wrong token":                      "nope",
		"the token of a workspace nearby":    b.token,
		"the token of another namespace":     elsewhere.token,
		"the token with a character cut off": a.token[:len(a.token)-1],
	} {
		resp := a.doWith(token, "GET", "/Users", nil)
		g.Expect(resp.status).To(Equal(http.StatusUnauthorized), "%s: %s", name, resp)
		g.Expect(resp.body["status"]).To(Equal("401"))
		g.Expect(resp.body["schemas"]).To(ConsistOf(urnError))
		g.Expect(resp.header.Get("WWW-Authenticate")).To(HavePrefix("Bearer"))
	}
	basic := a.doWith("", "GET", "/Users", nil, "Authorization", "Basic "+a.token)
	g.Expect(basic.status).To(Equal(http.StatusUnauthorized))
	lower := a.doWith("", "GET", "/Users", nil, "Authorization", "bearer "+a.token)
	g.Expect(lower.status).To(Equal(http.StatusOK), "the scheme is case-insensitive")
}

func TestRotatedTokenWorks(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	g.Expect(tn.do("GET", "/Users", nil).status).To(Equal(http.StatusOK))
	tn.updateToken(func(secret *corev1.Secret) { secret.Data["token"] = []byte("a-rotated-token-of-32-characters") })
	g.Eventually(func() int {
		return tn.doWith("a-rotated-token-of-32-characters", "GET", "/Users", nil).status
	}).WithTimeout(5 * time.Second).Should(Equal(http.StatusOK))
	g.Eventually(func() int { return tn.do("GET", "/Users", nil).status }).WithTimeout(15 * time.Second).Should(Equal(http.StatusUnauthorized))
}

// After `kubectl rollcall workspace rotate-token`, the identity provider's
// old token keeps working until the grace period ends, and not after.
func TestPreviousTokenWorksDuringItsGracePeriod(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	var newToken string
	tn.updateToken(func(secret *corev1.Secret) {
		var err error
		newToken, err = scimtoken.Rotate(secret, time.Hour, time.Now())
		g.Expect(err).NotTo(HaveOccurred())
	})

	g.Eventually(func() int { return tn.doWith(newToken, "GET", "/Users", nil).status }).
		WithTimeout(5 * time.Second).Should(Equal(http.StatusOK))
	g.Consistently(func() int { return tn.do("GET", "/Users", nil).status }).
		WithTimeout(2*time.Second).Should(Equal(http.StatusOK), "the old token is valid during the grace period")

	// The grace period ends: the old token is refused, the new one still opens.
	tn.updateToken(func(secret *corev1.Secret) {
		secret.Annotations[identityv1alpha1.AnnotationPreviousTokenExpires] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	})
	g.Eventually(func() int { return tn.do("GET", "/Users", nil).status }).
		WithTimeout(15 * time.Second).Should(Equal(http.StatusUnauthorized))
	g.Expect(tn.doWith(newToken, "GET", "/Users", nil).status).To(Equal(http.StatusOK))
}

func TestWorkspaceWithBroughtTokenSecret(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) { ws.Spec.SCIM.TokenSecretName = "my-own-token" })
	g.Expect(tn.do("GET", "/Users", nil).status).To(Equal(http.StatusOK))
}

// Without the workspace's token the answer is one 401, the same byte for
// byte (but for Date) whether the workspace exists or not, has SCIM off, or
// has no token Secret: nobody can probe which workspaces there are.
func TestWithoutTheTokenEveryWorkspaceAnswersTheSame401(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	r := startReplica(t)
	existing := newTenant(t, r)
	disabled := newTenantIn(t, r, existing.namespace, "disabled")
	noSecret := newTenantIn(t, r, existing.namespace, "no-secret")
	g.Expect(existing.do("GET", "/Users", nil).status).To(Equal(http.StatusOK))

	setSCIMEnabled(g, disabled, false)
	g.Eventually(func() int { return disabled.do("GET", "/Users", nil).status }).
		WithTimeout(5 * time.Second).Should(Equal(http.StatusNotFound))
	// Without its token Secret the controller withdraws the digest record.
	g.Expect(env.Client.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Namespace: scimtoken.DefaultNamespace, Name: scimtoken.DigestRecordName(noSecret.namespace, noSecret.workspace.Name)}})).To(Succeed())
	g.Eventually(func() int { return noSecret.do("GET", "/Users", nil).status }).
		WithTimeout(15 * time.Second).Should(Equal(http.StatusUnauthorized))

	unknown := *existing
	unknown.base = r.url + identityv1alpha1.TenantPath(existing.namespace, "nobody")
	unknownNamespace := *existing
	unknownNamespace.base = r.url + identityv1alpha1.TenantPath("no-such-namespace", "acme")

	want := existing.doWith("", "GET", "/Users", nil)
	g.Expect(want.status).To(Equal(http.StatusUnauthorized), want.String())
	g.Expect(want.header.Get("WWW-Authenticate")).To(HavePrefix("Bearer"))
	g.Expect(string(want.raw)).NotTo(ContainSubstring(existing.namespace), "the detail names no workspace")
	want.header.Del("Date")
	for name, send := range map[string]func() response{
		"an existing workspace, a wrong token":         func() response { return existing.doWith("nope-nope-nope-nope", "GET", "/Users", nil) },
		"an unknown workspace, no token":               func() response { return unknown.doWith("", "GET", "/Users", nil) },
		"an unknown workspace, a token":                func() response { return unknown.do("GET", "/Users", nil) },
		"an unknown namespace, no token":               func() response { return unknownNamespace.doWith("", "GET", "/Users", nil) },
		"an unknown workspace, /ServiceProviderConfig": func() response { return unknown.doWith("", "GET", "/ServiceProviderConfig", nil) },
		"a disabled workspace, no token":               func() response { return disabled.doWith("", "GET", "/Users", nil) },
		"a disabled workspace, a wrong token":          func() response { return disabled.doWith(existing.token, "GET", "/Users", nil) },
		"a workspace without a token Secret":           func() response { return noSecret.do("GET", "/Users", nil) },
	} {
		got := send()
		got.header.Del("Date")
		g.Expect(got.status).To(Equal(want.status), name)
		g.Expect(string(got.raw)).To(Equal(string(want.raw)), name)
		g.Expect(got.header).To(Equal(want.header), name)
	}
}

// spec.scim.enabled: false answers 404 as the API documents, but only to
// a request with the workspace's token; without it the answer is the 401 of
// any other workspace.
func TestDisabledWorkspaceAnswers404ToItsToken(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r)
	g.Expect(tn.do("GET", "/Users", nil).status).To(Equal(http.StatusOK))
	setSCIMEnabled(g, tn, false)
	g.Eventually(func() int { return tn.do("GET", "/Users", nil).status }).
		WithTimeout(5 * time.Second).Should(Equal(http.StatusNotFound))
	resp := tn.do("GET", "/ServiceProviderConfig", nil)
	g.Expect(resp.status).To(Equal(http.StatusNotFound))
	g.Expect(resp.body["status"]).To(Equal("404"))
	g.Expect(tn.doWith("", "GET", "/Users", nil).status).To(Equal(http.StatusUnauthorized))

	unroutable := *tn
	unroutable.base = r.url + "/scim/v2"
	g.Expect(unroutable.do("GET", "/Users", nil).status).To(Equal(http.StatusNotFound), "a path that is no Tenant URL")
}

func setSCIMEnabled(g Gomega, tn *tenant, enabled bool) {
	ws := &identityv1alpha1.Workspace{}
	g.Expect(env.Client.Get(context.Background(), types.NamespacedName{Namespace: tn.namespace, Name: tn.workspace.Name}, ws)).To(Succeed())
	ws.Spec.SCIM.Enabled = &enabled
	g.Expect(env.Client.Update(context.Background(), ws)).To(Succeed())
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t), func(ws *identityv1alpha1.Workspace) {
		ws.Spec.SCIM.RateLimit = &identityv1alpha1.RateLimit{RequestsPerSecond: 1, Burst: 3}
	})
	// newTenant's readiness probe may have used some of the bucket.
	var limited response
	for i := 0; i < 5; i++ {
		if limited = tn.do("GET", "/Users", nil); limited.status == http.StatusTooManyRequests {
			break
		}
	}
	g.Expect(limited.status).To(Equal(http.StatusTooManyRequests), limited.String())
	g.Expect(limited.body["status"]).To(Equal("429"))
	after, err := strconv.Atoi(limited.header.Get("Retry-After"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(after).To(BeNumerically(">=", 1))
	g.Eventually(func() int { return tn.do("GET", "/Users", nil).status }).
		WithTimeout(5 * time.Second).WithPolling(300 * time.Millisecond).Should(Equal(http.StatusOK))
}
