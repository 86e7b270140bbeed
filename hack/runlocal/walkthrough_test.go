package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// walkthroughs are the pages whose ```sh blocks TestWalkthroughCommands
// runs, in this order, each from a fresh demo workspace.
var walkthroughs = []string{"README.md", "entra-id.md", "okta.md", "gitops.md", "operations.md"}

// TestWalkthroughCommands runs every command of docs/walkthroughs against
// make run-local's stack, as a reader would: with the built kubectl and
// kubectl-rollcall on PATH and the variables of .local/scim.env. Each
// command must exit 0, or the code its "# exits N" comment names. Blocks
// marked <!-- not run: why --> are listed, not run.
func TestWalkthroughCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole local stack")
	}
	g := NewWithT(t)
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	kubectl := filepath.Join(root, "bin", "k8s", "v1.37.2", "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Skipf("no built kubectl (make kubectl): %v", err)
	}
	for _, tool := range []string{"bash", "curl", "jq", "awk"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the walkthroughs need %s: %v", tool, err)
		}
	}
	pages := map[string][]docBlock{}
	for _, page := range walkthroughs {
		text, err := os.ReadFile(filepath.Join(root, "docs", "walkthroughs", page))
		g.Expect(err).NotTo(HaveOccurred())
		blocks, err := shellBlocks(string(text))
		g.Expect(err).NotTo(HaveOccurred(), page)
		pages[page] = blocks
	}

	bin := t.TempDir()
	for _, pkg := range []string{"./cmd/manager", "./hack/runlocal", "./cmd/kubectl-rollcall"} {
		build := exec.Command("go", "build", "-o", bin, pkg)
		build.Dir = root
		out, err := build.CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), "go build %s: %s", pkg, out)
	}
	state := t.TempDir()
	stack := startRunLocal(t, root, filepath.Join(bin, "runlocal"), []string{
		"--state=" + state,
		"--manager=" + filepath.Join(bin, "manager"),
		"--scim-address=" + testenv.FreeAddr(t),
		"--metrics-address=" + testenv.FreeAddr(t),
		"--probe-address=" + testenv.FreeAddr(t),
		"--pprof-address=",
	})
	defer stack.interrupt(t)
	env := readEnvFile(t, filepath.Join(state, "scim.env"))
	c := kubeClient(t, env["KUBECONFIG"])

	// The pages name files of the repository (docs/walkthroughs/gitops) and
	// write backups to the working directory: a scratch directory that
	// shows the repository's docs, config and charts.
	work := t.TempDir()
	for _, dir := range []string{"docs", "config", "charts"} {
		g.Expect(os.Symlink(filepath.Join(root, dir), filepath.Join(work, dir))).To(Succeed())
	}
	shellEnv := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+filepath.Dir(kubectl)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KUBECONFIG="+env["KUBECONFIG"], "SCIM_URL="+env["SCIM_URL"], "SCIM_TOKEN="+env["SCIM_TOKEN"],
		"HOME="+work,
	)

	ran := 0
	for _, page := range walkthroughs {
		var cmds []docCommand
		for _, b := range pages[page] {
			if !b.run {
				t.Logf("%s:%d not run (%s): %d commands", page, b.line, b.why, len(b.commands))
				continue
			}
			cmds = append(cmds, b.commands...)
		}
		if len(cmds) == 0 {
			continue
		}
		freshDemo(t, c)
		start := time.Now()
		results, output := runPage(t, work, shellEnv, cmds)
		t.Logf("%s: %d commands in %s", page, len(cmds), time.Since(start).Round(time.Millisecond))
		if testing.Verbose() {
			t.Logf("output of %s:\n%s", page, output)
		}
		for i, cmd := range cmds {
			rc, ok := results[i]
			if !ok {
				t.Errorf("%s:%d did not run: %s\n%s", page, cmd.line, cmd.text, output)
				break
			}
			if rc != cmd.wantExit {
				t.Errorf("%s:%d exited %d, the page expects %d: %s\noutput of the page:\n%s", page, cmd.line, rc, cmd.wantExit, cmd.text, output)
			}
		}
		ran += len(cmds)
	}
	g.Expect(ran).To(BeNumerically(">", 40), "the walkthroughs' commands")
}

// runPage runs a page's commands in one bash, in order, so the variables a
// command sets are there for the next, and returns each command's exit
// code by index, and the page's output.
func runPage(t *testing.T, dir string, env []string, cmds []docCommand) (map[int]int, string) {
	t.Helper()
	var script strings.Builder
	script.WriteString("set -o pipefail\n")
	for i, c := range cmds {
		fmt.Fprintf(&script, "printf '\\n@@ %%s\\n' %s\n%s\nprintf '\\n@@rc %d %%d\\n' $?\n", shellQuote(c.text), c.text, i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-c", script.String())
	sh.Dir = dir
	sh.Env = env
	sh.Stdin = nil
	var out bytes.Buffer
	sh.Stdout = &out
	sh.Stderr = &out
	if err := sh.Run(); err != nil {
		t.Errorf("bash: %v", err)
	}
	results := map[int]int{}
	s := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) == 3 && fields[0] == "@@rc" {
			i, err1 := strconv.Atoi(fields[1])
			rc, err2 := strconv.Atoi(fields[2])
			if err1 == nil && err2 == nil {
				results[i] = rc
			}
		}
	}
	return results, out.String()
}

// freshDemo puts the demo workspace back as make run-local creates it: no
// users or groups, example.com claimed and not verified, no other domain.
func freshDemo(t *testing.T, c client.Client) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	g.Expect(c.DeleteAllOf(ctx, &identityv1alpha1.WorkspaceUser{}, client.InNamespace("demo"))).To(Succeed())
	g.Expect(c.DeleteAllOf(ctx, &identityv1alpha1.WorkspaceGroup{}, client.InNamespace("demo"))).To(Succeed())
	g.Expect(c.DeleteAllOf(ctx, &identityv1alpha1.WorkspaceDomain{})).To(Succeed())
	g.Eventually(func(g Gomega) {
		users := &identityv1alpha1.WorkspaceUserList{}
		g.Expect(c.List(ctx, users, client.InNamespace("demo"))).To(Succeed())
		g.Expect(users.Items).To(BeEmpty())
		groups := &identityv1alpha1.WorkspaceGroupList{}
		g.Expect(c.List(ctx, groups, client.InNamespace("demo"))).To(Succeed())
		g.Expect(groups.Items).To(BeEmpty())
		domains := &identityv1alpha1.WorkspaceDomainList{}
		g.Expect(c.List(ctx, domains)).To(Succeed())
		g.Expect(domains.Items).To(BeEmpty())
	}).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	claim := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: demoDomain},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: "demo", Name: "demo"},
		},
	}
	if err := c.Create(ctx, claim); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// readEnvFile reads the KEY=value lines of .local/scim.env.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(text)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			env[k] = v
		}
	}
	return env
}

// shellQuote quotes s for bash, so the log shows a command as the page writes it.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
