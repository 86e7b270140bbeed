// Command manager runs Rollcall: the controllers (workspace, domain, user, group)
// and the SCIM server, each switchable by flag so they can scale apart.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/controllers/statemetrics"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/controllers/workspacegroup"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/indexes"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// options are the manager's command-line settings.
type options struct {
	metricsAddr   string
	probeAddr     string
	pprofAddr     string
	leaderElect   bool
	leaderElectNS string
	controllers   bool
	scimServer    bool
	publicBaseURL string
	// operatorNamespace is where the digest records of the workspaces'
	// tokens are (and the leader election Lease).
	operatorNamespace string
	scim              scimserver.Options
	dns               func() workspacedomain.DNSOptions
}

func main() {
	var opts options
	flag.StringVar(&opts.metricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 turns it off.")
	flag.StringVar(&opts.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	flag.StringVar(&opts.pprofAddr, "pprof-bind-address", "", "Address of the Go profiler's /debug/pprof endpoints; empty (the default) turns it off. Bind it to loopback: it is unauthenticated.")
	flag.BoolVar(&opts.leaderElect, "leader-elect", false, "Elect one active controller manager among replicas.")
	flag.StringVar(&opts.leaderElectNS, "leader-election-namespace", "", "Namespace of the leader election Lease; empty (the default) means --operator-namespace.")
	flag.BoolVar(&opts.controllers, "controllers", true, "Run the controllers (workspace, domain, user, group).")
	flag.BoolVar(&opts.scimServer, "scim-server", true, "Run the SCIM server.")
	flag.StringVar(&opts.publicBaseURL, "public-base-url", "", "The SCIM server's address as identity providers reach it, e.g. https://scim.example.com; Tenant URLs are built on it.")
	flag.StringVar(&opts.operatorNamespace, "operator-namespace", defaultOperatorNamespace(os.Getenv),
		"Namespace the operator runs in: the controllers publish the digests of the workspaces' SCIM tokens there, the only Secrets the SCIM server reads. Default $POD_NAMESPACE (config/manager sets it), else "+scimtoken.DefaultNamespace+".")
	flag.StringVar(&opts.scim.BindAddress, "scim-bind-address", scimserver.DefaultBindAddress, "Address the SCIM server listens on.")
	flag.StringVar(&opts.scim.TLSCertFile, "scim-tls-cert-file", "", "PEM certificate of the SCIM server (reloaded when it changes).")
	flag.StringVar(&opts.scim.TLSKeyFile, "scim-tls-key-file", "", "PEM private key of the SCIM server.")
	flag.BoolVar(&opts.scim.InsecureHTTP, "scim-insecure-http", false, "Serve SCIM over plain HTTP: only for local runs or behind a TLS-terminating proxy.")
	flag.Int64Var(&opts.scim.MaxBodyBytes, "scim-max-body-bytes", 1<<20, "Largest SCIM request body; larger ones are answered 413.")
	flag.Func("scim-trusted-proxies", "Comma-separated addresses or CIDR prefixes of proxies (an Ingress controller) whose X-Forwarded-For names the client that failed logins are throttled by; empty (the default) ignores the header.",
		func(v string) error {
			prefixes, err := parsePrefixes(v)
			opts.scim.TrustedProxies = prefixes
			return err
		})
	// Off unless asked: an Event per SCIM write is one more API write per
	// write (two per user in an Entra first cycle); the log line is the record.
	opts.scim.DisableAuditEvents = true
	flag.BoolFunc("scim-audit-events", "Also record an Event on the WorkspaceUser or WorkspaceGroup of every successful SCIM write, for kubectl rollcall activity (default false: one more API write per SCIM write, sent asynchronously). The audit log line is written either way.",
		func(v string) error {
			on, err := strconv.ParseBool(v)
			opts.scim.DisableAuditEvents = !on
			return err
		})
	opts.dns = workspacedomain.BindDNSFlags(flag.CommandLine)
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	if err := run(opts); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

func run(opts options) error {
	ctx := ctrl.SetupSignalHandler()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := identityv1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme: scheme,
		// managedFields are never read here; dropping them halves the memory
		// a cached WorkspaceUser takes.
		Cache:                   cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
		Metrics:                 metricsserver.Options{BindAddress: opts.metricsAddr},
		HealthProbeBindAddress:  opts.probeAddr,
		PprofBindAddress:        opts.pprofAddr,
		LeaderElection:          opts.leaderElect,
		LeaderElectionID:        "rollcall-controllers.identity.rollcall.dev",
		LeaderElectionNamespace: cmp.Or(opts.leaderElectNS, opts.operatorNamespace),
	})
	if err != nil {
		return err
	}
	if opts.controllers {
		if err := setupControllers(ctx, mgr, opts); err != nil {
			return err
		}
	}
	if opts.scimServer {
		opts.scim.PublicBaseURL = opts.publicBaseURL
		opts.scim.OperatorNamespace = opts.operatorNamespace
		srv, err := scimserver.New(mgr, opts.scim)
		if err != nil {
			return fmt.Errorf("set up SCIM server: %w", err)
		}
		if err := mgr.Add(srv); err != nil {
			return err
		}
		if err := mgr.AddReadyzCheck("scim", srv.ReadyCheck); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// setupControllers registers every controller with the manager, and the
// field indexes they read, once.
func setupControllers(ctx context.Context, mgr ctrl.Manager, opts options) error {
	if err := indexes.AddDefault(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("add field indexes: %w", err)
	}
	// One rate-limited backend per workspace, shared by the controllers that
	// talk to it; the manager closes the connection pools on shutdown.
	backends := memberbackend.NewCache(mgr.GetClient(), mgr.GetAPIReader())
	if err := mgr.Add(backends); err != nil {
		return err
	}
	if err := statemetrics.Register(mgr.GetClient()); err != nil {
		return fmt.Errorf("register state metrics: %w", err)
	}
	if err := (&workspace.Reconciler{
		Client:            mgr.GetClient(),
		APIReader:         mgr.GetAPIReader(),
		PublicBaseURL:     opts.publicBaseURL,
		OperatorNamespace: opts.operatorNamespace,
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace controller: %w", err)
	}
	if err := (&workspace.BackendReconciler{
		Client:   mgr.GetClient(),
		Backends: backends,
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace backend controller: %w", err)
	}
	if err := (&workspacedomain.Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		DNS:       opts.dns(),
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace domain controller: %w", err)
	}
	users := &workspaceuser.Reconciler{
		Client:   mgr.GetClient(),
		Backends: backends,
	}
	if err := users.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace user controller: %w", err)
	}
	// Groups take their turn in the users' per-workspace backend slots,
	// one at a time per workspace, so a big group never crowds users out.
	if err := (&workspacegroup.Reconciler{
		Client:            mgr.GetClient(),
		Backends:          backends,
		Slots:             users.BackendSlots(),
		SlotsPerWorkspace: users.SlotsPerWorkspace(),
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace group controller: %w", err)
	}
	return nil
}

// defaultOperatorNamespace is $POD_NAMESPACE, which config/manager sets
// from the downward API, else the namespace config/default installs into.
func defaultOperatorNamespace(getenv func(string) string) string {
	if ns := strings.TrimSpace(getenv("POD_NAMESPACE")); ns != "" {
		return ns
	}
	return scimtoken.DefaultNamespace
}

// parsePrefixes reads a comma-separated list of IP addresses and CIDR
// prefixes; an address is a prefix of its full length.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			addr, err := netip.ParseAddr(item)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", item, err)
			}
			out = append(out, netip.PrefixFrom(addr, addr.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", item, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
