//go:build faults

package faults

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// proc is one manager process. It runs in its own process group, and the
// test's cleanup kills the group, whatever state the test left it in.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

// managerRole says which parts of the manager a process runs.
type managerRole int

const (
	roleBoth        managerRole = iota // controllers and SCIM server
	roleControllers                    // controllers only
	roleSCIM                           // SCIM server only
)

// managerOpts are a manager process's settings.
type managerOpts struct {
	role managerRole
	// scimAddr is where the SCIM server listens (roleBoth, roleSCIM), and
	// for roleControllers the public base URL Tenant URLs are built on.
	scimAddr    string
	leaderElect string // the Lease's namespace; empty: no leader election
}

// startManager runs the manager binary against cl; its log (appended to,
// so a restarted process adds to its predecessor's) is logs/<name>.log in
// the test's temporary directory, and its tail is printed if the test fails.
func startManager(t *testing.T, cl *cluster, logDir, name string, o managerOpts) *proc {
	t.Helper()
	args := []string{
		"--kubeconfig=" + cl.kubeconfig,
		"--metrics-bind-address=0",
		"--health-probe-bind-address=0",
		"--public-base-url=http://" + o.scimAddr,
	}
	switch o.role {
	case roleControllers:
		args = append(args, "--scim-server=false")
	case roleSCIM:
		args = append(args, "--controllers=false")
	}
	if o.role != roleControllers {
		args = append(args, "--scim-bind-address="+o.scimAddr, "--scim-insecure-http")
	}
	if o.leaderElect != "" {
		args = append(args, "--leader-elect", "--leader-election-namespace="+o.leaderElect)
	}
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(managerBin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Pdeathsig: should the test binary itself be killed (a go test
	// -timeout, a Ctrl-C), the kernel kills the manager too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("start manager %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("last lines of %s:\n%s", name, testenv.LogTail(logPath, 12, 400))
		}
	})
	return p
}

// kill sends SIGKILL to the process group and waits until it is gone.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

// logged reports whether the process's log holds s.
func (p *proc) logged(s string) bool {
	data, err := os.ReadFile(p.logPath)
	return err == nil && bytes.Contains(data, []byte(s))
}
