package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// buildManager builds cmd/manager into the test's temporary directory.
func buildManager(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "manager")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/manager")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/manager: %v\n%s", err, out)
	}
	return bin
}

// process is one manager process, in its own process group.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

// startManager runs the manager binary as id, with KUBECONFIG naming the
// identity's file and nothing else to authenticate with. Cleanup kills the
// process group; on failure it prints the log's last lines.
func startManager(t *testing.T, bin string, id identity, args ...string) *process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), id.name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"--metrics-bind-address=0", "--health-probe-bind-address=0"}, args...)...)
	// The last KUBECONFIG wins; HOME points nowhere, so ~/.kube/config
	// cannot lend other credentials.
	cmd.Env = append(os.Environ(), "KUBECONFIG="+id.kubeconfig, "HOME="+t.TempDir(), "POD_NAMESPACE=")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Pdeathsig: should the test binary be killed, the kernel kills the
	// manager too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("start manager as %s: %v", id.username(), err)
	}
	p := &process{name: id.name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
		if t.Failed() {
			t.Logf("last lines of the %s manager's log:\n%s", p.name, testenv.LogTail(logPath, 25, 600))
		}
	})
	return p
}

// running reports whether the process has not exited.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// forbiddenLines are the log's lines where the API server refused the
// process a request: each is a rule the shipped RBAC lacks.
func (p *process) forbiddenLines() []string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, "is forbidden") {
			if len(line) > 600 {
				line = line[:600] + "…"
			}
			out = append(out, line)
		}
	}
	return out
}
