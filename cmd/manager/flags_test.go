package main

import (
	"io"
	"path/filepath"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

func noEnv(string) string { return "" }

func mustParse(t *testing.T, args []string, getenv func(string) string) options {
	t.Helper()
	opts, _, err := parseOptions(args, getenv, io.Discard)
	if err != nil {
		t.Fatalf("parseOptions(%q): %v", args, err)
	}
	return opts
}

// What a manager started with no flags does, as an operator relies on it:
// no Event per SCIM write, no leader election, no profiler, TLS on :8443.
func TestManagerDefaults(t *testing.T) {
	opts, zapOpts, err := parseOptions(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !opts.scim.DisableAuditEvents {
		t.Error("audit Events are on by default; they cost one API write per SCIM write and are opt-in (--scim-audit-events)")
	}
	if opts.leaderElect {
		t.Error("leader election is on by default")
	}
	if got := opts.operatorNamespace; got != "rollcall-system" {
		t.Errorf("operator namespace %q, want rollcall-system", got)
	}
	if got := opts.leaderElectionNamespace(); got != "rollcall-system" {
		t.Errorf("leader election namespace %q, want the operator namespace rollcall-system", got)
	}
	if !opts.controllers || !opts.scimServer {
		t.Errorf("controllers=%v scim-server=%v, want both on", opts.controllers, opts.scimServer)
	}
	if opts.scim.InsecureHTTP {
		t.Error("the SCIM server serves plain HTTP by default")
	}
	if opts.scim.BindAddress != ":8443" || opts.scim.MaxBodyBytes != 1<<20 || opts.scim.TrustedProxies != nil {
		t.Errorf("SCIM address %q, body limit %d, trusted proxies %v; want :8443, 1 MiB, none",
			opts.scim.BindAddress, opts.scim.MaxBodyBytes, opts.scim.TrustedProxies)
	}
	if opts.pprofAddr != "" {
		t.Errorf("the profiler listens on %q by default; it is unauthenticated and off unless asked", opts.pprofAddr)
	}
	if opts.metricsAddr != ":8080" || opts.probeAddr != ":8081" {
		t.Errorf("metrics on %q, probes on %q; want :8080 and :8081 (config/manager's ports)", opts.metricsAddr, opts.probeAddr)
	}
	if zapOpts.Development {
		t.Error("logs are in development mode by default; the audit log line is parsed as JSON")
	}
	dns := opts.dns()
	if dns.InitialInterval != workspacedomain.DefaultDNSInitialInterval || dns.MaxInterval != workspacedomain.DefaultDNSMaxInterval ||
		dns.RecheckInterval != workspacedomain.DefaultDNSRecheckInterval || dns.GracePeriod != workspacedomain.DefaultDNSGracePeriod {
		t.Errorf("DNS verifier options %+v are not the package defaults", dns)
	}
}

func TestSCIMAuditEventsFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		on   bool
	}{
		{nil, false},
		{[]string{"--scim-audit-events"}, true},
		{[]string{"--scim-audit-events=true"}, true},
		{[]string{"--scim-audit-events=false"}, false},
		{[]string{"--scim-audit-events", "--scim-audit-events=false"}, false},
	} {
		if got := !mustParse(t, tc.args, noEnv).scim.DisableAuditEvents; got != tc.on {
			t.Errorf("%q: audit events %v, want %v", tc.args, got, tc.on)
		}
	}
	if _, _, err := parseOptions([]string{"--scim-audit-events=maybe"}, noEnv, io.Discard); err == nil {
		t.Error("--scim-audit-events=maybe was accepted")
	}
}

// The Lease goes where the leader election Role is: the operator's
// namespace, from the downward API, unless named apart.
func TestLeaderElectionNamespaceFollowsTheOperatorNamespace(t *testing.T) {
	pod := func(k string) string { return map[string]string{"POD_NAMESPACE": "identity"}[k] }
	for _, tc := range []struct {
		args            []string
		getenv          func(string) string
		operator, lease string
	}{
		{nil, pod, "identity", "identity"},
		{[]string{"--operator-namespace=ops"}, pod, "ops", "ops"},
		{[]string{"--leader-election-namespace=leases"}, pod, "identity", "leases"},
		{[]string{"--leader-election-namespace=leases"}, noEnv, "rollcall-system", "leases"},
	} {
		opts := mustParse(t, tc.args, tc.getenv)
		if opts.operatorNamespace != tc.operator || opts.leaderElectionNamespace() != tc.lease {
			t.Errorf("%q: operator namespace %q, Lease in %q; want %q and %q",
				tc.args, opts.operatorNamespace, opts.leaderElectionNamespace(), tc.operator, tc.lease)
		}
	}
}

func TestBadFlagsAreRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"--scim-trusted-proxies=10.0.0.0/33"},
		{"--scim-max-body-bytes=lots"},
		{"--dns-grace-period=forever"},
	} {
		if _, _, err := parseOptions(args, noEnv, io.Discard); err == nil {
			t.Errorf("%q was accepted", args)
		}
	}
}

// Every argument config/manager's Deployments pass is a manager flag (a
// renamed flag would crash-loop the pods), and they split the manager as
// intended: one elected controller manager, a SCIM server on TLS, neither
// recording audit Events.
func TestConfigManagerArgs(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	pod := func(k string) string { return map[string]string{"POD_NAMESPACE": "rollcall-system"}[k] }
	args := map[string][]string{}
	for _, file := range []string{"controller.yaml", "scim.yaml"} {
		objs, err := manifests.Read(filepath.Join(root, "config", "manager", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objs {
			if obj.GetKind() != "Deployment" {
				continue
			}
			dep := &appsv1.Deployment{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, dep); err != nil {
				t.Fatal(err)
			}
			args[dep.Name] = dep.Spec.Template.Spec.Containers[0].Args
		}
	}
	ctrlArgs, ok := args["rollcall-controller"]
	if !ok {
		t.Fatalf("no rollcall-controller Deployment in config/manager: %v", args)
	}
	controller := mustParse(t, ctrlArgs, pod)
	if !controller.controllers || controller.scimServer || !controller.leaderElect || !controller.scim.DisableAuditEvents {
		t.Errorf("rollcall-controller %q: controllers=%v scim-server=%v leader-elect=%v audit-events=%v",
			ctrlArgs, controller.controllers, controller.scimServer, controller.leaderElect, !controller.scim.DisableAuditEvents)
	}
	scimArgs, ok := args["rollcall-scim"]
	if !ok {
		t.Fatalf("no rollcall-scim Deployment in config/manager: %v", args)
	}
	scim := mustParse(t, scimArgs, pod)
	if scim.controllers || !scim.scimServer || scim.scim.InsecureHTTP || scim.scim.TLSCertFile == "" || !scim.scim.DisableAuditEvents {
		t.Errorf("rollcall-scim %q: controllers=%v scim-server=%v insecure=%v cert=%q audit-events=%v",
			scimArgs, scim.controllers, scim.scimServer, scim.scim.InsecureHTTP, scim.scim.TLSCertFile, !scim.scim.DisableAuditEvents)
	}
}
