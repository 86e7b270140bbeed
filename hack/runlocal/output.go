package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// writeEnvFile writes KUBECONFIG, SCIM_URL and SCIM_TOKEN to <state>/scim.env
// for scripts (`set -a; . .local/scim.env`).
func writeEnvFile(state, kubeconfig string, access tenantAccess) error {
	lines := []string{
		"KUBECONFIG=" + kubeconfig,
		"SCIM_URL=" + access.url,
		"SCIM_TOKEN=" + access.token,
	}
	return os.WriteFile(filepath.Join(state, "scim.env"), []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// printNext tells the user where everything is and what to try first.
func printNext(w io.Writer, cfg config, kubeconfig string, access tenantAccess) {
	kc := rel(cfg.root, kubeconfig)
	_, _ = fmt.Fprintf(w, `
Rollcall is running locally. Press Ctrl-C to stop everything (state is kept in %[1]s).

  Kubeconfig:  %[2]s
  Tenant URL:  %[3]s
  Token:       %[4]s
  (also in %[5]s as KUBECONFIG=, SCIM_URL=, SCIM_TOKEN=)

Try it:

  # what an identity provider's "Test connection" does
  curl -sS -H "Authorization: Bearer %[4]s" '%[3]s/Users?filter=userName%%20eq%%20%%22ada@example.com%%22'

  # look at the resources
  # (kubectl-rollcall is in bin/, and a kubectl from make kubectl in bin/k8s/%[7]s:
  #  export PATH="$PWD/bin:$PATH:$PWD/bin/k8s/%[7]s")
  kubectl --kubeconfig %[2]s get workspaces,workspaceusers,workspacedomains -A

  # users of example.com are held until the domain is approved
  kubectl --kubeconfig %[2]s rollcall domain approve example.com

  # the members the operator provisioned into the SQLite store
  %[6]s

`, rel(cfg.root, cfg.state), kc, access.url, access.token, rel(cfg.root, filepath.Join(cfg.state, "scim.env")), membersCommand(cfg), cfg.kubeVersion)
}

// membersCommand shows this run's member store: hack/members reads
// .local/members.db unless told otherwise, so another --state needs -dsn.
func membersCommand(cfg config) string {
	if filepath.Clean(cfg.state) == filepath.Join(cfg.root, ".local") {
		return "go run ./hack/members"
	}
	return "go run ./hack/members -dsn file:" + rel(cfg.root, filepath.Join(cfg.state, "members.db"))
}
