package scimserver_test

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// An If-Match naming the version another replica just wrote is the current
// version, though this replica's cache may not have it yet: the write goes
// through instead of answering 412.
func TestIfMatchWithAVersionWrittenThroughAnotherReplica(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	onA := newTenant(t, a)
	onB := onA.on(b)
	g.Eventually(func() int { return onB.do("GET", "/ServiceProviderConfig", nil).status }).
		WithTimeout(10 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))

	created := onA.do("POST", "/Users", user("etag-replicas@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	g.Eventually(func() int { return onB.do("GET", "/Users/"+id, nil).status }).Should(Equal(http.StatusOK))

	for i, title := range []string{"one", "two", "three", "four", "five", "six", "seven", "eight"} {
		writer, other := onB, onA
		if i%2 == 1 {
			writer, other = onA, onB
		}
		written := writer.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": title}}})
		g.Expect(written.status).To(Equal(http.StatusOK), written.String())
		next := other.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": title}}},
			"If-Match", written.header.Get("ETag"))
		g.Expect(next.status).To(Equal(http.StatusOK), "If-Match with the version the other replica wrote: %s", next)
		g.Expect(next.body["title"]).To(Equal(title), "the write keeps what the other replica wrote")
	}
}
