package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rollcall-dev/rollcall/hack/bench/scimload"
)

// stack is hack/runlocal running as a child process: etcd, kube-apiserver,
// the manager (controllers and SCIM server) and the demo workspace.
type stack struct {
	cmd        *exec.Cmd
	exited     chan error
	state      string
	kubeconfig string
	scimURL    string
	token      string
	logPath    string
}

// startStack builds hack/runlocal and runs it with state in dir, every
// listener on a free loopback port, and waits until the SCIM server answers.
func startStack(ctx context.Context, root, state string) (*stack, error) {
	bin := filepath.Join(state, "runlocal")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./hack/runlocal")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./hack/runlocal: %w: %s", err, out)
	}
	var addrs []string
	for range 4 {
		a, err := freeAddr()
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, a)
	}
	s := &stack{state: state, logPath: filepath.Join(state, "runlocal.log"), exited: make(chan error, 1)}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin,
		"--state="+state,
		"--scim-address="+addrs[0],
		"--metrics-address="+addrs[1],
		"--probe-address="+addrs[2],
		"--pprof-address="+addrs[3],
		// What a cluster install costs: the manager records no audit Events
		// unless asked (--scim-audit-events).
		"--audit-events=false",
	)
	s.cmd.Dir = root
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C in the terminal reaches the bench,
	// which then stops the stack in order.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start runlocal: %w", err)
	}
	go func() {
		s.exited <- s.cmd.Wait()
		_ = logFile.Close()
	}()
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady waits for <state>/scim.env and a SCIM server that answers a
// filter with the token in it.
func (s *stack) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(4 * time.Minute)
	envPath := filepath.Join(s.state, "scim.env")
	for {
		if env, err := readEnvFile(envPath); err == nil {
			s.kubeconfig, s.scimURL, s.token = env["KUBECONFIG"], env["SCIM_URL"], env["SCIM_TOKEN"]
			c := scimload.NewClient(s.scimURL, s.token, 1)
			if _, res, err := c.FilterUserName(ctx, "bench-probe@example.com"); err == nil && res.Status == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("runlocal exited before the SCIM server answered (%w); see %s", err, s.logPath)
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the local stack was not ready within 4 minutes; see %s", s.logPath)
		}
	}
}

// stop sends SIGINT (runlocal's Ctrl-C: it stops the manager and the
// control plane) and waits up to 90 s before killing its process group.
func (s *stack) stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case err := <-s.exited:
		s.exited <- err
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-s.exited:
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: runlocal:", err)
		}
	case <-time.After(90 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		fmt.Fprintln(os.Stderr, "bench: runlocal did not stop within 90 s; killed its process group:", <-s.exited)
	}
}

func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	for _, k := range []string{"KUBECONFIG", "SCIM_URL", "SCIM_TOKEN"} {
		if env[k] == "" {
			return nil, errors.New(path + " has no " + k)
		}
	}
	return env, sc.Err()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// managerPID finds the manager runlocal started for this state directory:
// the process whose arguments name this state's kubeconfig.
func managerPID(kubeconfig string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	want := "--kubeconfig=" + kubeconfig
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if len(args) > 1 && filepath.Base(args[0]) == "manager" && args[1] == want {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no manager process with %s", want)
}

// rssBytes is VmRSS of pid, from /proc/<pid>/status.
func rssBytes(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", v, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}
