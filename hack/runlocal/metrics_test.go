package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// scrape reads the manager's Prometheus metrics, in the text format.
func scrape(g Gomega, addr string) string {
	resp, err := http.Get("http://" + addr + "/metrics")
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	body, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	return string(body)
}

// sample is the value of the one sample of series (a metric name and its
// labels, sorted as the exposition sorts them) in metrics.
func sample(g Gomega, metrics, series string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(metrics)
	g.Expect(m).NotTo(BeNil(), "no sample %s in\n%s", series, regexp.MustCompile(`(?m)^rollcall_workspace.*$`).FindAllString(metrics, -1))
	v, err := strconv.ParseFloat(m[1], 64)
	g.Expect(err).NotTo(HaveOccurred())
	return v
}

// expectTokenPublishedSince checks the demo workspace's token was first
// published no earlier than since (to the second) and not in the future.
func expectTokenPublishedSince(t *testing.T, addr string, since time.Time) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		at := sample(g, scrape(g, addr), `rollcall_workspace_token_published_timestamp_seconds{workspace="demo/demo"}`)
		g.Expect(at).To(BeNumerically(">=", float64(since.Unix())))
		g.Expect(at).To(BeNumerically("<=", float64(time.Now().Unix())))
	}).WithTimeout(10 * time.Second).Should(Succeed())
}
