package main

import (
	"fmt"
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
func printNext(cfg config, kubeconfig string, access tenantAccess) {
	kc := rel(cfg.root, kubeconfig)
	fmt.Printf(`
Rollcall is running locally. Press Ctrl-C to stop everything (state is kept in %[1]s).

  Kubeconfig:  %[2]s
  Tenant URL:  %[3]s
  Token:       %[4]s
  (also in %[5]s as KUBECONFIG=, SCIM_URL=, SCIM_TOKEN=)

Try it:

  # what an identity provider's "Test connection" does
  curl -sS -H "Authorization: Bearer %[4]s" '%[3]s/Users?filter=userName%%20eq%%20%%22ada@example.com%%22'

  # look at the resources
  kubectl --kubeconfig %[2]s get workspaces,workspaceusers,workspacedomains -A

  # users of example.com are held until the domain is approved
  # (kubectl-rollcall is in bin/: export PATH="$PWD/bin:$PATH")
  kubectl --kubeconfig %[2]s rollcall domain approve example.com

  # the members the operator provisioned into the SQLite store
  go run ./hack/members

`, rel(cfg.root, cfg.state), kc, access.url, access.token, rel(cfg.root, filepath.Join(cfg.state, "scim.env")))
}
