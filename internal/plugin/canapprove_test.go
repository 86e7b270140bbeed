package plugin_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/rand"

	"github.com/rollcall-dev/rollcall/internal/plugin"
)

// TestDomainCanApprove answers what the admission policy asks, for the
// caller or the identity --as names: yes for a domain the identity may
// approve, no (exit 1) for another.
func TestDomainCanApprove(t *testing.T) {
	g := NewWithT(t)
	domain, other := "can-"+rand.String(6)+".test", "cannot-"+rand.String(6)+".test"
	erin := oneDomainApprover(t, "erin-can-approve", domain)
	admin := kubeconfigFor(t, "admin-can-approve", "cluster-admin")

	out, err := run(erin, "domain", "can-approve", domain)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out).To(Equal("yes\n"))
	out, err = run(erin, "domain", "can-approve", other)
	g.Expect(err).To(Equal(plugin.ExitCode(1)))
	g.Expect(out).To(Equal("no\n"))

	// An administrator checks another identity, as for a GitOps sync's.
	out, err = run(admin, "domain", "can-approve", domain, "--as", "erin-can-approve")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out).To(Equal("yes\n"))
	out, err = run(admin, "domain", "can-approve", domain, "--as", "system:serviceaccount:flux-system:kustomize-controller")
	g.Expect(err).To(Equal(plugin.ExitCode(1)))
	g.Expect(out).To(Equal("no\n"))
}
