package scimserver_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// Hostile requests that the server already refused when it was probed
// keep being refused: each gets a SCIM error in bounded time, nothing is
// written, and the server answers the next honest request.
func TestHostileRequestsAreRefusedAndWriteNothing(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r)
	other := newTenant(t, r)

	deep := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep@example.com","x":` +
		strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000) + `}`
	nestedFilter := strings.Repeat("(", 5_000) + `userName eq "a"` + strings.Repeat(")", 5_000)
	manyTerms := strings.TrimSuffix(strings.Repeat(`userName eq "a" or `, 2_000), " or ")
	cases := []struct {
		name           string
		token          string
		method, path   string
		body           any
		status         int
		scimType       string
		detailContains string
	}{
		{"a body nested 200,000 deep", tn.token, "POST", "/Users", deep, http.StatusBadRequest, "invalidSyntax", ""},
		{"a 10 MB body", tn.token, "POST", "/Users", `{"userName":"` + strings.Repeat("a", 10<<20) + `"}`, http.StatusRequestEntityTooLarge, "", "larger than"},
		{"a filter nested 5,000 deep", tn.token, "GET", filterPath(nestedFilter), nil, http.StatusBadRequest, "invalidFilter", ""},
		{"a filter of 2,000 terms", tn.token, "GET", filterPath(manyTerms), nil, http.StatusBadRequest, "invalidFilter", ""},
		{"another workspace's token", other.token, "GET", "/Users", nil, http.StatusUnauthorized, "", ""},
		{"another workspace's token on a write", other.token, "POST", "/Users", user("foreign@example.com"), http.StatusUnauthorized, "", ""},
		{"no token", "", "POST", "/Users", user("anonymous@example.com"), http.StatusUnauthorized, "", ""},
		{"a path out of the tenant", tn.token, "GET", "/../../" + other.namespace + "/acme/Users", nil, http.StatusNotFound, "", ""},
		{"an encoded path out of the tenant", tn.token, "GET", "/%2e%2e/%2e%2e/" + other.namespace + "/acme/Users", nil, http.StatusNotFound, "", ""},
		{"a label selector in an id", tn.token, "GET", "/Users/x,identity.rollcall.dev%2Fworkspace!=acme", nil, http.StatusNotFound, "", ""},
		{"a field selector in a filter value", tn.token, "GET", filterPath(`userName eq "a,metadata.namespace!=x"`), nil, http.StatusOK, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			start := time.Now()
			got := tn.doWith(c.token, c.method, c.path, c.body)
			g.Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second), "answered in bounded time")
			g.Expect(got.status).To(Equal(c.status), got.String())
			if c.status == http.StatusOK {
				g.Expect(got.body["totalResults"]).To(BeNumerically("==", 0), "nothing leaks")
				return
			}
			g.Expect(got.body["schemas"]).To(ConsistOf("urn:ietf:params:scim:api:messages:2.0:Error"), got.String())
			g.Expect(got.body["status"]).To(Equal(fmt.Sprint(c.status)))
			if c.scimType != "" {
				g.Expect(got.body["scimType"]).To(Equal(c.scimType), got.String())
			}
			if c.detailContains != "" {
				g.Expect(got.body["detail"]).To(ContainSubstring(c.detailContains))
			}
		})
	}

	for _, ns := range []string{tn.namespace, other.namespace} {
		users := &identityv1alpha1.WorkspaceUserList{}
		g.Expect(env.Client.List(context.Background(), users, client.InNamespace(ns))).To(Succeed())
		g.Expect(users.Items).To(BeEmpty(), "no hostile request wrote a user in %s", ns)
	}
	g.Expect(tn.do("POST", "/Users", user("honest@example.com")).status).To(Equal(http.StatusCreated), "the server still works")
}

// A client that opens a connection and sends its headers slower than the
// server's header timeout is cut off, and others are served meanwhile.
func TestSlowClientIsCutOff(t *testing.T) {
	g := NewWithT(t)
	mgr, err := env.NewManager(ctrl.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	addr := freeLoopbackAddr(t)
	srv, err := scimserver.New(mgr, scimserver.Options{InsecureHTTP: true, BindAddress: addr, ReadHeaderTimeout: 300 * time.Millisecond})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(mgr.Add(srv)).To(Succeed())
	testenv.RunManager(t, mgr)

	var conn net.Conn
	g.Eventually(func() error {
		conn, err = net.Dial("tcp", addr)
		return err
	}).WithTimeout(10 * time.Second).Should(Succeed())
	defer func() { _ = conn.Close() }()
	_, err = fmt.Fprintf(conn, "GET /scim/v2/a/b/Users HTTP/1.1\r\nHost: %s\r\n", addr) // and never the blank line
	g.Expect(err).NotTo(HaveOccurred())

	resp, err := http.Get("http://" + addr + "/scim/v2/a/b/Users")
	g.Expect(err).NotTo(HaveOccurred(), "another client is served while the slow one waits")
	g.Expect(resp.Body.Close()).To(Succeed())
	g.Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))

	start := time.Now()
	g.Expect(conn.SetReadDeadline(time.Now().Add(5 * time.Second))).To(Succeed())
	// The server may answer 408 before it closes; the connection ends long
	// before the 5 s deadline either way.
	_, err = io.ReadAll(conn)
	cut := time.Since(start)
	g.Expect(err).NotTo(HaveOccurred(), "the server closed the connection (a timeout here means it did not)")
	g.Expect(cut).To(BeNumerically("<", 3*time.Second), "the slow connection was closed after %s", cut)
}

// freeLoopbackAddr is a loopback address with a port nothing listens on.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
