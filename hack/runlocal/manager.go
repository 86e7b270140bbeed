package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

// managerProcess is the manager binary running as a child process.
type managerProcess struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan error
}

// startManager runs bin/manager against the local control plane, its output
// going to <state>/manager.log.
func startManager(cfg config, kubeconfig string) (*managerProcess, error) {
	logPath := filepath.Join(cfg.state, "manager.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.manager, managerArgs(cfg, kubeconfig)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so a Ctrl-C in the terminal reaches us first and
	// we stop it in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	step("starting the manager (log: %s)", rel(cfg.root, logPath))
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w (run 'make build' first)", cmd.Path, err)
	}
	p := &managerProcess{cmd: cmd, logPath: logPath, exited: make(chan error, 1)}
	go func() {
		p.exited <- cmd.Wait()
		_ = logFile.Close()
	}()
	return p, nil
}

// managerArgs are the flags of a local manager: everything on loopback, the
// SCIM server on plain HTTP.
func managerArgs(cfg config, kubeconfig string) []string {
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--metrics-bind-address=" + cfg.metricsAddr,
		"--health-probe-bind-address=" + cfg.probeAddr,
		"--public-base-url=http://" + cfg.scimAddr,
		"--scim-bind-address=" + cfg.scimAddr,
		"--scim-insecure-http",
		// A local run shows its SCIM writes in kubectl rollcall activity.
		"--scim-audit-events=" + strconv.FormatBool(cfg.auditEvents),
		"--operator-namespace=" + scimtoken.DefaultNamespace,
	}
	if cfg.pprofAddr != "" {
		args = append(args, "--pprof-bind-address="+cfg.pprofAddr)
	}
	return args
}

// stop sends SIGTERM and waits up to 15 s before killing.
func (p *managerProcess) stop() {
	step("stopping the manager")
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		if err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		fmt.Fprintln(os.Stderr, "manager did not stop within 15s, killed:", <-p.exited)
	}
}
