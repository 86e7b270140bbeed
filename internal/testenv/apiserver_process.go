package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/discovery"
)

// APIServerProcess is the running kube-apiserver as a process a fault test
// can freeze (SIGSTOP), thaw (SIGCONT), kill (SIGKILL) and start again with
// the same arguments: the same port, certificates, client CA and etcd, so
// every client's kubeconfig stays valid across the restart.
type APIServerProcess struct {
	env  *Env
	argv []string

	mu     sync.Mutex
	pid    int
	cmd    *exec.Cmd     // set once Restart started the process (our child)
	exited chan struct{} // closed when cmd has been waited for
}

// APIServerProcess finds the control plane's kube-apiserver process (the
// one serving its secure port) and reads its command line from /proc.
func (e *Env) APIServerProcess() (*APIServerProcess, error) {
	port := e.ControlPlane.APIServer.Port
	if port == "" {
		return nil, errors.New("the control plane has no kube-apiserver secure port")
	}
	want := "--secure-port=" + port
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", entry.Name(), "cmdline"))
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if filepath.Base(argv[0]) != "kube-apiserver" {
			continue
		}
		for _, arg := range argv[1:] {
			if arg == want {
				return &APIServerProcess{env: e, argv: argv, pid: pid}, nil
			}
		}
	}
	return nil, fmt.Errorf("no kube-apiserver process with %s", want)
}

// PID is the process id of the kube-apiserver now running.
func (p *APIServerProcess) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

// Freeze stops the process (SIGSTOP): its sockets stay open and accept
// connections, but nothing answers.
func (p *APIServerProcess) Freeze() error { return syscall.Kill(p.PID(), syscall.SIGSTOP) }

// Thaw resumes a frozen process (SIGCONT).
func (p *APIServerProcess) Thaw() error { return syscall.Kill(p.PID(), syscall.SIGCONT) }

// Kill sends SIGKILL and waits until the process is gone.
func (p *APIServerProcess) Kill() error {
	pid := p.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill kube-apiserver %d: %w", pid, err)
	}
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if exited != nil {
			select {
			case <-exited:
				return nil
			default:
			}
		} else if gone(pid) {
			return nil // envtest's own wait reaped it
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver %d still there 30s after SIGKILL", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gone reports whether pid no longer names a live process (reaped, or a
// zombie waiting for its parent).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state is the field after the parenthesised command name.
	if i := strings.LastIndexByte(string(stat), ')'); i > 0 && len(stat) > i+2 {
		return stat[i+2] == 'Z'
	}
	return false
}

// Restart starts kube-apiserver again with the arguments it had, in its own
// process group, and waits until it serves discovery (at most 2 minutes).
// Call it after Kill. The new process is a child of the test binary: Close
// stops it.
func (p *APIServerProcess) Restart(ctx context.Context) error {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	// Pdeathsig: should the test binary be killed before Close, the kernel
	// kills this kube-apiserver too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("restart kube-apiserver: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	p.mu.Lock()
	p.pid, p.cmd, p.exited = cmd.Process.Pid, cmd, exited
	p.mu.Unlock()
	disc, err := discovery.NewDiscoveryClientForConfig(p.env.Config)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		if _, err := disc.ServerVersion(); err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("the restarted kube-apiserver exited before it served")
		case <-ctx.Done():
			return fmt.Errorf("the restarted kube-apiserver did not serve: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close thaws the process in case it is frozen and, if Restart started it,
// terminates it (SIGTERM, SIGKILL after 20 s). Call it before Env.Stop,
// which stops only the process envtest started.
func (p *APIServerProcess) Close() {
	_ = p.Thaw()
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}
