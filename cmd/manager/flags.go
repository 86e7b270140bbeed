package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
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

// parseOptions reads the manager's flags from args (without the program
// name); getenv supplies the environment the defaults read ($POD_NAMESPACE).
// On a bad flag, or -h, it has written why and the usage to out.
func parseOptions(args []string, getenv func(string) string, out io.Writer) (options, *zap.Options, error) {
	var opts options
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&opts.metricsAddr, "metrics-bind-address", ":8080", "Address of the Prometheus metrics endpoint; 0 turns it off.")
	fs.StringVar(&opts.probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	fs.StringVar(&opts.pprofAddr, "pprof-bind-address", "", "Address of the Go profiler's /debug/pprof endpoints; empty (the default) turns it off. Bind it to loopback: it is unauthenticated.")
	fs.BoolVar(&opts.leaderElect, "leader-elect", false, "Elect one active controller manager among replicas.")
	fs.StringVar(&opts.leaderElectNS, "leader-election-namespace", "", "Namespace of the leader election Lease; empty (the default) means --operator-namespace.")
	fs.BoolVar(&opts.controllers, "controllers", true, "Run the controllers (workspace, domain, user, group).")
	fs.BoolVar(&opts.scimServer, "scim-server", true, "Run the SCIM server.")
	fs.StringVar(&opts.publicBaseURL, "public-base-url", "", "The SCIM server's address as identity providers reach it, e.g. https://scim.example.com; Tenant URLs are built on it.")
	fs.StringVar(&opts.operatorNamespace, "operator-namespace", defaultOperatorNamespace(getenv),
		"Namespace the operator runs in: the controllers publish the digests of the workspaces' SCIM tokens there, the only Secrets the SCIM server reads. Default $POD_NAMESPACE (config/manager sets it), else "+scimtoken.DefaultNamespace+".")
	fs.StringVar(&opts.scim.BindAddress, "scim-bind-address", scimserver.DefaultBindAddress, "Address the SCIM server listens on.")
	fs.StringVar(&opts.scim.TLSCertFile, "scim-tls-cert-file", "", "PEM certificate of the SCIM server (reloaded when it changes).")
	fs.StringVar(&opts.scim.TLSKeyFile, "scim-tls-key-file", "", "PEM private key of the SCIM server.")
	fs.BoolVar(&opts.scim.InsecureHTTP, "scim-insecure-http", false, "Serve SCIM over plain HTTP: only for local runs or behind a TLS-terminating proxy.")
	fs.Int64Var(&opts.scim.MaxBodyBytes, "scim-max-body-bytes", 1<<20, "Largest SCIM request body; larger ones are answered 413.")
	fs.Func("scim-trusted-proxies", "Comma-separated addresses or CIDR prefixes of proxies (an Ingress controller) whose X-Forwarded-For names the client that failed logins are throttled by; empty (the default) ignores the header.",
		func(v string) error {
			prefixes, err := parsePrefixes(v)
			opts.scim.TrustedProxies = prefixes
			return err
		})
	// Off unless asked: an Event per SCIM write is one more API write per
	// write (two per user in an Entra first cycle); the log line is the record.
	opts.scim.DisableAuditEvents = true
	fs.BoolFunc("scim-audit-events", "Also record an Event on the WorkspaceUser or WorkspaceGroup of every successful SCIM write, for kubectl rollcall activity (default false: one more API write per SCIM write, sent asynchronously). The audit log line is written either way.",
		func(v string) error {
			on, err := strconv.ParseBool(v)
			opts.scim.DisableAuditEvents = !on
			return err
		})
	opts.dns = workspacedomain.BindDNSFlags(fs)
	// --kubeconfig: controller-runtime's GetConfig reads it from here.
	config.RegisterFlags(fs)
	zapOpts := &zap.Options{}
	zapOpts.BindFlags(fs)
	err := fs.Parse(args)
	return opts, zapOpts, err
}

// leaderElectionNamespace is where the leader election Lease is:
// --leader-election-namespace, else the operator's namespace, whose Role
// (config/rbac's rollcall-leader-election) grants the Leases.
func (o options) leaderElectionNamespace() string {
	return cmp.Or(o.leaderElectNS, o.operatorNamespace)
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
