// Command runlocal is `make run-local`: it runs a local control plane (etcd
// and kube-apiserver built from source, state under .local/ so a restart
// keeps every object), installs the CRDs, the policies and the roles an
// administrator binds to people (config/rbac's approvers), starts the manager
// against it, creates a demo Workspace backed by SQLite and prints what a
// user needs next. Ctrl-C stops everything it started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"go.uber.org/zap/zapcore"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

type config struct {
	root        string
	state       string
	scimAddr    string
	metricsAddr string
	probeAddr   string
	pprofAddr   string
	// auditEvents records an Event per SCIM write, for kubectl rollcall activity.
	auditEvents bool
	manager     string
	namespace   string
	workspace   string
	kubeVersion string
}

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		os.Exit(2) // the flag set printed the error and the usage
	}
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.WarnLevel)))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "run-local:", err)
		os.Exit(1)
	}
}

// parseConfig reads run-local's flags from args (without the program
// name); on a bad flag, or -h, it has written why and the usage to out.
func parseConfig(args []string, out io.Writer) (config, error) {
	cfg := config{}
	fs := flag.NewFlagSet("runlocal", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.state, "state", ".local", "Directory for etcd data, the kubeconfig, the SQLite member store and logs.")
	fs.StringVar(&cfg.scimAddr, "scim-address", "127.0.0.1:18000", "Where the SCIM server listens (plain HTTP, loopback).")
	fs.StringVar(&cfg.metricsAddr, "metrics-address", "127.0.0.1:18080", "Where the manager serves Prometheus metrics.")
	fs.StringVar(&cfg.probeAddr, "probe-address", "127.0.0.1:18081", "Where the manager serves /healthz and /readyz.")
	fs.StringVar(&cfg.pprofAddr, "pprof-address", "127.0.0.1:18082", "Where the manager serves the Go profiler (/debug/pprof, loopback only); empty turns it off.")
	fs.BoolVar(&cfg.auditEvents, "audit-events", true, "Record an Event per SCIM write (the manager's --scim-audit-events), for kubectl rollcall activity.")
	fs.StringVar(&cfg.manager, "manager", "bin/manager", "The manager binary (make build).")
	fs.StringVar(&cfg.namespace, "namespace", "demo", "Namespace of the demo workspace.")
	fs.StringVar(&cfg.workspace, "workspace", "demo", "Name of the demo workspace.")
	err := fs.Parse(args)
	return cfg, err
}

func run(ctx context.Context, cfg config) error {
	root, err := testenv.RepoRoot()
	if err != nil {
		return err
	}
	cfg.root = root
	if !filepath.IsAbs(cfg.state) {
		cfg.state = filepath.Join(root, cfg.state)
	}
	if !filepath.IsAbs(cfg.manager) {
		cfg.manager = filepath.Join(root, cfg.manager)
	}
	if err := os.MkdirAll(cfg.state, 0o700); err != nil {
		return err
	}
	version, err := testenv.KubeVersion(root)
	if err != nil {
		return err
	}
	cfg.kubeVersion = version

	step("starting etcd and kube-apiserver %s (state in %s)", version, rel(root, cfg.state))
	env := &envtest.Environment{
		BinaryAssetsDirectory: filepath.Join(root, "bin", "k8s", version),
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(cfg.state, "etcd")}
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("start control plane: %w", err)
	}
	defer func() {
		step("stopping the control plane")
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop control plane:", err)
		}
	}()

	kubeconfig, c, err := writeKubeconfig(env, cfg.state)
	if err != nil {
		return err
	}
	step("installing policies from config/policies")
	if err := manifests.Install(ctx, c, filepath.Join(root, "config", "policies")); err != nil {
		return err
	}
	roles, err := peopleRoles(filepath.Join(root, "config", "rbac"))
	if err != nil {
		return err
	}
	step("installing the roles for people from config/rbac: %s", strings.Join(roleNames(roles), ", "))
	if err := manifests.Apply(ctx, c, roles...); err != nil {
		return err
	}

	if err := ensureNamespace(ctx, c, scimtoken.DefaultNamespace); err != nil {
		return err
	}
	mgr, err := startManager(cfg, kubeconfig)
	if err != nil {
		return err
	}
	defer mgr.stop()

	demo, err := ensureDemo(ctx, c, cfg)
	if err != nil {
		return err
	}
	access, err := waitForTenant(ctx, c, demo, mgr)
	if err != nil {
		return err
	}
	if err := writeEnvFile(cfg.state, kubeconfig, access); err != nil {
		return err
	}
	printNext(os.Stdout, cfg, kubeconfig, access)

	select {
	case <-ctx.Done():
		fmt.Println()
		return nil
	case err := <-mgr.exited:
		return fmt.Errorf("the manager exited (%w); see %s", err, rel(root, mgr.logPath))
	}
}

// writeKubeconfig writes an admin kubeconfig for the running API server.
func writeKubeconfig(env *envtest.Environment, state string) (string, client.Client, error) {
	user, err := env.AddUser(envtest.User{Name: "local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", nil, fmt.Errorf("add admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", nil, err
	}
	path := filepath.Join(state, "kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", nil, err
	}
	c, err := client.New(user.Config(), client.Options{Scheme: scheme})
	if err != nil {
		return "", nil, err
	}
	return path, c, nil
}

func step(format string, args ...any) {
	fmt.Printf("==> "+format+"\n", args...)
}

func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return r
	}
	return path
}
