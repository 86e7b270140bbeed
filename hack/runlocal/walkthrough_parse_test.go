package main

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestShellBlocks(t *testing.T) {
	g := NewWithT(t)
	page := "# Page\n\n" +
		"```sh\nkubectl get wsu -n demo\ncurl -sS \"$SCIM_URL/Users\" \\\n  -H 'Authorization: Bearer x'   # exits 22\n# a comment\n```\n\n" +
		"```text\nkubectl get this-is-output\n```\n\n" +
		"<!-- not run: needs a cluster -->\n```sh\nhelm install rollcall charts/rollcall\n```\n\n" +
		"<!-- not run: stale marker -->\n\nSome prose.\n\n```sh\nkubectl version\n```\n"
	blocks, err := shellBlocks(page)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(blocks).To(HaveLen(3))

	g.Expect(blocks[0].run).To(BeTrue())
	g.Expect(blocks[0].commands).To(Equal([]docCommand{
		{line: 4, text: "kubectl get wsu -n demo"},
		{line: 5, text: `curl -sS "$SCIM_URL/Users"  -H 'Authorization: Bearer x'   # exits 22`, wantExit: 22},
	}))
	g.Expect(blocks[1].run).To(BeFalse())
	g.Expect(blocks[1].why).To(Equal("needs a cluster"))
	g.Expect(blocks[1].commands).To(HaveLen(1))
	g.Expect(blocks[2].run).To(BeTrue(), "a marker followed by prose marks nothing")

	_, err = shellBlocks("```sh\nkubectl get ws\n")
	g.Expect(err).To(MatchError(ContainSubstring("never closed")))
}
