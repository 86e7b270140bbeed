package scimserver_test

import (
	"net/http"
	"strconv"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/rollcall-dev/rollcall/scimserver"
)

// TestUnreachableAPIServerAnswers503 runs a server whose only way to the API
// server is a proxy, then cuts it: writes answer 503 with Retry-After,
// reads keep coming from the cache.
func TestUnreachableAPIServerAnswers503(t *testing.T) {
	g := NewWithT(t)
	proxy, _, tn, id := replicaBehindProxy(t, scimserver.Options{})

	proxy.cut()
	for _, r := range []response{
		tn.do("POST", "/Users", user("during@example.com")),
		tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "x"}}}),
		tn.do("DELETE", "/Users/"+id, nil),
	} {
		g.Expect(r.status).To(Equal(http.StatusServiceUnavailable), r.String())
		g.Expect(r.body["status"]).To(Equal("503"))
		after, err := strconv.Atoi(r.header.Get("Retry-After"))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(after).To(BeNumerically(">", 0))
	}
	read := tn.do("GET", "/Users/"+id, nil)
	g.Expect(read.status).To(Equal(http.StatusOK), "reads come from the cache: %s", read)
}
