package scimserver_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// testAPITimeout is the SCIM server's API timeout in these tests; answers
// must come within it and a slack for a loaded machine.
const (
	testAPITimeout = time.Second
	answerSlack    = 5 * time.Second
)

// timed is a request with how long its answer took.
func timed(tn *tenant, method, path string, body any) (response, time.Duration) {
	start := time.Now()
	r := tn.do(method, path, body)
	return r, time.Since(start)
}

// usersNamed are the WorkspaceUsers of the tenant's namespace with userName.
func usersNamed(g Gomega, tn *tenant, userName string) []string {
	list := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(tn.namespace))).To(Succeed())
	var names []string
	for _, u := range list.Items {
		if u.Spec.UserName == userName {
			names = append(names, u.Name)
		}
	}
	return names
}

// TestHungAPIServerAnswers503InTime runs a server whose way to the API
// server is a proxy that can hang. While it hangs a POST is answered 503
// with Retry-After within the API timeout, a GET by id comes from the
// cache, and the readiness check fails; after it resumes the check passes
// again and a retried POST ends with exactly one user.
func TestHungAPIServerAnswers503InTime(t *testing.T) {
	g := NewWithT(t)
	proxy, srv, tn, id := replicaBehindProxy(t, scimserver.Options{APITimeout: testAPITimeout})
	g.Eventually(func() error { return srv.ReadyCheck(nil) }).WithTimeout(10 * time.Second).Should(Succeed())

	proxy.hang()
	t.Cleanup(proxy.resume)
	during := user("during@example.com")
	r, took := timed(tn, "POST", "/Users", during)
	g.Expect(r.status).To(Equal(http.StatusServiceUnavailable), r.String())
	g.Expect(r.body["status"]).To(Equal("503"))
	g.Expect(r.body["detail"]).To(ContainSubstring("did not answer in time"))
	after, err := strconv.Atoi(r.header.Get("Retry-After"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(after).To(BeNumerically(">", 0))
	g.Expect(took).To(BeNumerically("<", testAPITimeout+answerSlack), "POST answered after %s", took)

	read, took := timed(tn, "GET", "/Users/"+id, nil)
	g.Expect(read.status).To(Equal(http.StatusOK), "reads come from the cache: %s", read)
	g.Expect(took).To(BeNumerically("<", testAPITimeout+answerSlack), "GET answered after %s", took)

	g.Eventually(func() error { return srv.ReadyCheck(nil) }).WithTimeout(15*time.Second).WithPolling(200*time.Millisecond).
		Should(MatchError(ContainSubstring("API server")), "not ready while the API server hangs")

	proxy.resume()
	g.Eventually(func() error { return srv.ReadyCheck(nil) }).WithTimeout(15*time.Second).WithPolling(200*time.Millisecond).
		Should(Succeed(), "ready again once the API server answers")

	// The IdP retries. The hung POST's claim may have been made when the
	// API server resumed, with no user behind it: that claim is stale after
	// the claim grace (30s), so the retries end within it.
	g.Eventually(func(g Gomega) {
		retry := tn.do("POST", "/Users", during)
		g.Expect(retry.status).To(BeElementOf(http.StatusCreated, http.StatusConflict), retry.String())
		g.Expect(usersNamed(g, tn, "during@example.com")).NotTo(BeEmpty(), "a 409 only once the user exists: %s", retry)
	}).WithTimeout(45 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(usersNamed(g, tn, "during@example.com")).To(HaveLen(1))
	}).WithTimeout(2 * time.Second).Should(Succeed())
}

// lostAnswers makes the API server's answer to WorkspaceUser creates get
// lost: the create is made, then it waits for the request's deadline.
type lostAnswers struct {
	client.Client
}

func (c lostAnswers) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if _, ok := obj.(*identityv1alpha1.WorkspaceUser); !ok {
		return c.Client.Create(ctx, obj, opts...)
	}
	if err := c.Client.Create(context.WithoutCancel(ctx), obj, opts...); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute):
		return errors.New("the request had no deadline")
	}
}

// TestCreateWithLostAnswerIsNotDuplicated: a create that was made but not
// answered in time is 503, and the IdP's retry of the POST is 409
// uniqueness, not a second user.
func TestCreateWithLostAnswerIsNotDuplicated(t *testing.T) {
	g := NewWithT(t)
	mgr, err := env.NewManager(ctrl.Options{NewClient: func(cfg *rest.Config, opts client.Options) (client.Client, error) {
		c, err := client.New(cfg, opts)
		return lostAnswers{Client: c}, err
	}})
	g.Expect(err).NotTo(HaveOccurred())
	srv, err := scimserver.New(mgr, scimserver.Options{InsecureHTTP: true, APITimeout: testAPITimeout})
	g.Expect(err).NotTo(HaveOccurred())
	testenv.RunManager(t, mgr)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tn := newTenant(t, &replica{server: srv, url: hs.URL})

	r, took := timed(tn, "POST", "/Users", user("lost@example.com"))
	g.Expect(r.status).To(Equal(http.StatusServiceUnavailable), r.String())
	g.Expect(r.header.Get("Retry-After")).NotTo(BeEmpty())
	g.Expect(r.body["detail"]).To(ContainSubstring("did not answer in time"))
	g.Expect(took).To(BeNumerically("<", testAPITimeout+answerSlack), "POST answered after %s", took)

	retry := tn.do("POST", "/Users", user("lost@example.com"))
	g.Expect(retry.status).To(Equal(http.StatusConflict), retry.String())
	g.Expect(retry.body["scimType"]).To(Equal("uniqueness"))
	g.Expect(usersNamed(g, tn, "lost@example.com")).To(HaveLen(1))
	g.Eventually(func() any {
		return tn.do("GET", filterPath(`userName eq "lost@example.com"`), nil).body["totalResults"]
	}).WithTimeout(10 * time.Second).Should(BeEquivalentTo(1))
}
