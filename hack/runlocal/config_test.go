package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// A local run shows its SCIM writes in kubectl rollcall activity (the
// manager's --scim-audit-events, off by default in a cluster);
// --audit-events=false measures a cluster install's cost.
func TestLocalManagerRecordsAuditEventsUnlessTurnedOff(t *testing.T) {
	g := NewWithT(t)
	cfg, err := parseConfig(nil, io.Discard)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cfg.auditEvents).To(BeTrue())
	g.Expect(managerArgs(cfg, "/kubeconfig")).To(ContainElement("--scim-audit-events=true"))

	cfg, err = parseConfig([]string{"--audit-events=false"}, io.Discard)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(managerArgs(cfg, "/kubeconfig")).To(ContainElement("--scim-audit-events=false"))
	g.Expect(managerArgs(cfg, "/kubeconfig")).NotTo(ContainElement("--scim-audit-events=true"))

	_, err = parseConfig([]string{"--audit-events=maybe"}, io.Discard)
	g.Expect(err).To(MatchError(ContainSubstring("audit-events")))
}

func TestLocalManagerListensOnLoopbackOnly(t *testing.T) {
	g := NewWithT(t)
	cfg, err := parseConfig(nil, io.Discard)
	g.Expect(err).NotTo(HaveOccurred())
	for _, addr := range []string{cfg.scimAddr, cfg.metricsAddr, cfg.probeAddr, cfg.pprofAddr} {
		g.Expect(addr).To(HavePrefix("127.0.0.1:"))
	}
	cfg, err = parseConfig([]string{"--pprof-address="}, io.Discard)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(managerArgs(cfg, "/kubeconfig")).NotTo(ContainElement(HavePrefix("--pprof-bind-address")))
}

// The roles a local run installs are config/rbac's roles for people, the
// approvers the walkthroughs bind, and none of a component's.
func TestPeopleRolesOfConfigRBAC(t *testing.T) {
	g := NewWithT(t)
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	roles, err := peopleRoles(filepath.Join(root, "config", "rbac"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(roleNames(roles)).To(Equal([]string{"rollcall-domain-approver", "rollcall-domain-approver-example.com"}))
}

func TestPeopleRolesLeaveOutBoundRoles(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	g.Expect(os.MkdirAll(filepath.Join(dir, "component"), 0o700)).To(Succeed())
	write := func(name, text string) {
		g.Expect(os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600)).To(Succeed())
	}
	write("component/role.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: component}\n"+
		"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: component, namespace: ns}\n")
	write("binding.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: component, namespace: ns}\n"+
		"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: component}\n"+
		"subjects: [{kind: ServiceAccount, name: component, namespace: ns}]\n")
	write("viewer.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: viewer}\n")
	write("kustomization.yaml", "resources: [viewer.yaml]\n")
	roles, err := peopleRoles(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(roleNames(roles)).To(Equal([]string{"viewer"}))

	write("broken.yaml", "kind: [\n")
	_, err = peopleRoles(dir)
	g.Expect(err).To(MatchError(ContainSubstring("broken.yaml")))
}
