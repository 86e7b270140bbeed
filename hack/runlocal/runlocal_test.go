package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// TestRunLocal runs `make run-local` as a user would, twice: the first run
// prints the Tenant URL and token; Ctrl-C stops everything; the second run
// finds the demo workspace, and its token, still there.
func TestRunLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole local stack")
	}
	g := NewWithT(t)
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	bin := t.TempDir()
	for _, pkg := range []string{"./cmd/manager", "./hack/runlocal", "./cmd/kubectl-rollcall", "./hack/members"} {
		build := exec.Command("go", "build", "-o", bin, pkg)
		build.Dir = root
		out, err := build.CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), "go build %s: %s", pkg, out)
	}
	state := t.TempDir()
	pprofAddr, metricsAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	args := []string{
		"--state=" + state,
		"--manager=" + filepath.Join(bin, "manager"),
		"--scim-address=" + testenv.FreeAddr(t),
		"--metrics-address=" + metricsAddr,
		"--probe-address=" + testenv.FreeAddr(t),
		"--pprof-address=" + pprofAddr,
	}

	started := time.Now()
	first := startRunLocal(t, root, filepath.Join(bin, "runlocal"), args)
	g.Expect(first.output).To(ContainSubstring("created demo workspace demo/demo"))
	g.Expect(first.tenantURL).To(HaveSuffix("/scim/v2/demo/demo"))
	g.Expect(first.token).To(HaveLen(43))

	env, err := os.ReadFile(filepath.Join(state, "scim.env"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(env)).To(ContainSubstring("KUBECONFIG=" + filepath.Join(state, "kubeconfig") + "\n"))
	g.Expect(string(env)).To(ContainSubstring("SCIM_URL=" + first.tenantURL + "\n"))
	g.Expect(string(env)).To(ContainSubstring("SCIM_TOKEN=" + first.token + "\n"))

	// What Entra's "Test connection" sends, with the printed token.
	status, body := scimGet(t, first.tenantURL+`/Users?filter=userName+eq+%223e59e27b-68ad-41f5-bb0e-dadf130e2ac8%22`, first.token)
	g.Expect(status).To(Equal(http.StatusOK))
	g.Expect(body).To(MatchJSON(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}`))
	status, _ = scimGet(t, first.tenantURL+"/Users", "not-the-token")
	g.Expect(status).To(Equal(http.StatusUnauthorized))

	// The manager's profiler, on loopback.
	g.Expect(pprofAddr).To(HavePrefix("127.0.0.1:"))
	profiles, err := http.Get("http://" + pprofAddr + "/debug/pprof/")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(profiles.Body.Close()).To(Succeed())
	g.Expect(profiles.StatusCode).To(Equal(http.StatusOK))

	c := kubeClient(t, filepath.Join(state, "kubeconfig"))
	list := &identityv1alpha1.WorkspaceList{}
	g.Expect(c.List(context.Background(), list)).To(Succeed())
	g.Expect(list.Items).To(HaveLen(1))
	// A user provisioned over SCIM is held until example.com is approved,
	// then shows up in the SQLite member store.
	status, body = scimPost(t, first.tenantURL+"/Users", first.token,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com","active":true,"emails":[{"value":"ada@example.com","type":"work","primary":true}]}`)
	g.Expect(status).To(Equal(http.StatusCreated), body)
	held := func(g Gomega) *identityv1alpha1.WorkspaceUser {
		users := &identityv1alpha1.WorkspaceUserList{}
		g.Expect(c.List(context.Background(), users, client.InNamespace("demo"))).To(Succeed())
		for i := range users.Items {
			if users.Items[i].Spec.UserName == "ada@example.com" {
				return &users.Items[i]
			}
		}
		g.Expect(users.Items).To(ContainElement(HaveField("Spec.UserName", "ada@example.com")))
		return nil
	}
	g.Eventually(func(g Gomega) {
		cond := meta.FindStatusCondition(held(g).Status.Conditions, identityv1alpha1.ConditionDomainVerified)
		g.Expect(cond).NotTo(BeNil())
		g.Expect(cond.Reason).To(Equal(identityv1alpha1.ReasonDomainNotVerified))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(members(t, bin, state)).NotTo(ContainSubstring("ada@example.com"))
	group := provisionGroup(t, first.tenantURL, first.token, scimID(t, body), bin, state)

	approve := exec.Command(filepath.Join(bin, "kubectl-rollcall"), "--kubeconfig", filepath.Join(state, "kubeconfig"), "domain", "approve", "example.com")
	out, err := approve.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "kubectl rollcall domain approve: %s", out)
	g.Eventually(func(g Gomega) {
		g.Expect(meta.IsStatusConditionTrue(held(g).Status.Conditions, identityv1alpha1.ConditionSynced)).To(BeTrue())
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(members(t, bin, state)).To(ContainSubstring("ada@example.com"))
	// The manager's metrics count what this test did: three users and a
	// group created over SCIM, the users synced into the backend through
	// backend calls that succeeded, the group with its two members, the
	// approved domain, the user controller's reconciles, and a token published since
	// the stack started.
	g.Eventually(func(g Gomega) {
		metrics := scrape(g, metricsAddr)
		g.Expect(sample(g, metrics, `rollcall_scim_requests_total{method="POST",resource="Users",status="201",workspace="demo/demo"}`)).To(Equal(3.0))
		g.Expect(sample(g, metrics, `rollcall_scim_requests_total{method="POST",resource="Groups",status="201",workspace="demo/demo"}`)).To(Equal(1.0))
		g.Expect(sample(g, metrics, `rollcall_workspace_users{state="synced",workspace="demo/demo"}`)).To(Equal(3.0))
		g.Expect(sample(g, metrics, `rollcall_workspace_groups{state="synced",workspace="demo/demo"}`)).To(Equal(1.0))
		g.Expect(sample(g, metrics, `rollcall_workspace_group_memberships{state="synced",workspace="demo/demo"}`)).To(Equal(2.0))
		g.Expect(sample(g, metrics, `rollcall_workspace_users{state="held",workspace="demo/demo"}`)).To(Equal(0.0))
		g.Expect(sample(g, metrics, `rollcall_backend_call_duration_seconds_count{operation="Upsert",outcome="ok",workspace="demo/demo"}`)).To(BeNumerically(">=", 1))
		g.Expect(sample(g, metrics, `rollcall_workspace_domains{method="Manual",verified="true",workspace="demo/demo"}`)).To(Equal(1.0))
		g.Expect(sample(g, metrics, `controller_runtime_reconcile_total{controller="workspaceuser",result="success"}`)).To(BeNumerically(">=", 3))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	expectTokenPublishedSince(t, metricsAddr, started.Truncate(time.Second))
	expectMembershipsLetIn(t, group, bin, state)

	apiServer := restHost(t, filepath.Join(state, "kubeconfig"))
	first.interrupt(t)
	_, err = net.DialTimeout("tcp", apiServer, time.Second)
	g.Expect(err).To(HaveOccurred(), "kube-apiserver still listens on %s after Ctrl-C", apiServer)

	second := startRunLocal(t, root, filepath.Join(bin, "runlocal"), args)
	g.Expect(second.output).To(ContainSubstring("found workspace demo/demo from an earlier run"))
	g.Expect(second.token).To(Equal(first.token), "the token Secret survives a restart")
	// The first request right after the Tenant URL is printed is answered.
	status, _ = scimGet(t, second.tenantURL+"/Users?count=1", second.token)
	g.Expect(status).To(Equal(http.StatusOK), "the SCIM server answers as soon as the restart prints its Tenant URL")

	// A rotation reaches the SCIM server through the digest record the
	// controller publishes: the command returns once it is published, the
	// new token opens the endpoint within the server's 1 s refresh, and the
	// old one keeps working during the grace period.
	rotatedAt := time.Now()
	rotate := exec.Command(filepath.Join(bin, "kubectl-rollcall"), "--kubeconfig", filepath.Join(state, "kubeconfig"),
		"workspace", "rotate-token", "demo", "-n", "demo", "--grace", "1h")
	out, err = rotate.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "kubectl rollcall workspace rotate-token: %s", out)
	rotated, _, ok := strings.Cut(strings.TrimPrefix(string(out), "Secret Token: "), "\n")
	g.Expect(ok).To(BeTrue(), "%s", out)
	g.Expect(rotated).To(HaveLen(43))
	g.Eventually(func() int {
		status, _ := scimGet(t, second.tenantURL+"/Users?count=1", rotated)
		return status
	}).WithTimeout(5 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal(http.StatusOK))
	status, _ = scimGet(t, second.tenantURL+"/Users?count=1", second.token)
	g.Expect(status).To(Equal(http.StatusOK), "the old token during its grace period")
	expectTokenPublishedSince(t, metricsAddr, rotatedAt.Truncate(time.Second))
	second.interrupt(t)
}

type runLocal struct {
	cmd       *exec.Cmd
	output    string
	tenantURL string
	token     string
	done      chan error
}

// startRunLocal starts the runner and reads its output up to the token line.
func startRunLocal(t *testing.T, root, binary string, args []string) *runLocal {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = root
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &runLocal{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	timeout := time.After(3 * time.Minute)
	for r.token == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("run-local ended before printing the token:\n%s", r.output)
			}
			r.output += line + "\n"
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Tenant URL:"); ok {
				r.tenantURL = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Token:"); ok {
				r.token = strings.TrimSpace(v)
			}
		case <-timeout:
			t.Fatalf("no token printed within 3 minutes:\n%s", r.output)
		}
	}
	go func() {
		for line := range lines {
			_ = line
		}
		r.done <- cmd.Wait()
	}()
	return r
}

// interrupt sends Ctrl-C and expects a clean exit.
func (r *runLocal) interrupt(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("run-local exited with %v after Ctrl-C", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("run-local still running a minute after Ctrl-C")
	}
}

// members prints the member store the way the README says to.
// members runs hack/members on the run's store, with extra flags (-groups).
func members(t *testing.T, bin, state string, flags ...string) string {
	t.Helper()
	args := append([]string{"-dsn", "file:" + filepath.Join(state, "members.db")}, flags...)
	out, err := exec.Command(filepath.Join(bin, "members"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("members %v: %v: %s", flags, err, out)
	}
	return string(out)
}

func scimPost(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	return scimSend(t, http.MethodPost, url, token, body)
}

func scimGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	return scimSend(t, http.MethodGet, url, token, "")
}

// scimSend sends one SCIM request with the token; a body is sent as
// application/scim+json.
func scimSend(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func kubeClient(t *testing.T, kubeconfig string) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	// The client's own log (controller-runtime warns once that no logger
	// is set, with a stack) says nothing the test's assertions do not.
	ctrllog.SetLogger(logr.Discard())
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func restHost(t *testing.T, kubeconfig string) string {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(cfg.Host, "https://")
}
