package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// TestPrintedMembersCommandReadsThisRunsStore runs the printed "go run
// ./hack/members" line from the repository root, as a user pastes it, and
// expects it to show the member store of the run that printed it, wherever
// --state put it.
func TestPrintedMembersCommandReadsThisRunsStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs hack/members")
	}
	g := NewWithT(t)
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	state := t.TempDir()

	store, err := sqlbackend.Open(context.Background(), sqlbackend.Options{Driver: "sqlite", DSN: "file:" + filepath.Join(state, "members.db")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(store.Upsert(context.Background(), backend.Member{Key: "demo:demo:1", UserName: "printed-store@example.org", Active: true})).To(Succeed())
	g.Expect(store.Close()).To(Succeed())

	var out bytes.Buffer
	printNext(&out, config{root: root, state: state}, filepath.Join(state, "kubeconfig"),
		tenantAccess{url: "http://127.0.0.1:18000/scim/v2/demo/demo", token: "t"})

	var line string
	for l := range strings.Lines(out.String()) {
		if strings.HasPrefix(strings.TrimSpace(l), "go run ./hack/members") {
			line = strings.TrimSpace(l)
		}
	}
	g.Expect(line).NotTo(BeEmpty(), "no members command in:\n%s", out.String())
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = root
	got, err := cmd.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "%s: %s", line, got)
	g.Expect(string(got)).To(ContainSubstring("printed-store@example.org"))
}

// TestPrintedMembersCommandIsShortForTheDefaultState: with the default
// state directory the printed command needs no flags.
func TestPrintedMembersCommandIsShortForTheDefaultState(t *testing.T) {
	g := NewWithT(t)
	var out bytes.Buffer
	printNext(&out, config{root: "/repo", state: "/repo/.local"}, "/repo/.local/kubeconfig",
		tenantAccess{url: "http://127.0.0.1:18000/scim/v2/demo/demo", token: "t"})
	g.Expect(out.String()).To(ContainSubstring("  go run ./hack/members\n"))
}

// TestPrintedPathFindsThePluginAndTheBuiltKubectl pastes the printed PATH
// line on a machine without kubectl: it must find kubectl-rollcall (make
// build) and the kubectl that make kubectl builds into bin/k8s/<version>.
func TestPrintedPathFindsThePluginAndTheBuiltKubectl(t *testing.T) {
	g := NewWithT(t)
	root := t.TempDir()
	for _, exe := range []string{filepath.Join("bin", "kubectl-rollcall"), filepath.Join("bin", "k8s", "v1.37.2", "kubectl")} {
		path := filepath.Join(root, exe)
		g.Expect(os.MkdirAll(filepath.Dir(path), 0o755)).To(Succeed())
		g.Expect(os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755)).To(Succeed())
	}
	var out bytes.Buffer
	printNext(&out, config{root: root, state: filepath.Join(root, ".local"), kubeVersion: "v1.37.2"},
		filepath.Join(root, ".local", "kubeconfig"), tenantAccess{url: "http://127.0.0.1:18000/scim/v2/demo/demo", token: "t"})

	_, export, found := strings.Cut(out.String(), "export PATH=")
	g.Expect(found).To(BeTrue(), "no PATH line in:\n%s", out.String())
	export, _, _ = strings.Cut(export, "\n")
	export = strings.TrimSuffix(strings.TrimSpace(export), ")")
	cmd := exec.Command("/bin/sh", "-c", "PATH=/nonexistent; export PATH="+export+"; command -v kubectl-rollcall; command -v kubectl")
	cmd.Dir = root
	got, err := cmd.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "export PATH=%s: %s", export, got)
	g.Expect(strings.Fields(string(got))).To(Equal([]string{
		filepath.Join(root, "bin", "kubectl-rollcall"), filepath.Join(root, "bin", "k8s", "v1.37.2", "kubectl")}))
}
