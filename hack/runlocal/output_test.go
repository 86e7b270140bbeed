package main

import (
	"bytes"
	"context"
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
