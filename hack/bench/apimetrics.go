package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"
)

// requestKey is one series of apiserver_request_total, summed over the
// labels the bench does not report (group, version, scope, component,
// dry_run).
type requestKey struct {
	Verb     string // GET, LIST, WATCH, CREATE, UPDATE, PATCH, DELETE, …
	Resource string // "workspaceusers", or "workspaceusers/status" for a subresource
	Code     string
}

// requestCounts is a snapshot (or a delta) of the API server's request
// counter. Requests to non-resource URLs (/metrics, /healthz, /readyz,
// /livez, /version, discovery) are left out: the bench's own scrapes are
// the only ones in a measured window.
type requestCounts map[requestKey]float64

// parseRequestCounts reads apiserver_request_total from the API server's
// Prometheus text exposition.
func parseRequestCounts(r io.Reader) (requestCounts, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse API server metrics: %w", err)
	}
	fam, ok := families["apiserver_request_total"]
	if !ok {
		return nil, fmt.Errorf("the API server's metrics have no apiserver_request_total")
	}
	out := requestCounts{}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		if labels["resource"] == "" {
			continue
		}
		resource := labels["resource"]
		if sub := labels["subresource"]; sub != "" {
			resource += "/" + sub
		}
		out[requestKey{Verb: labels["verb"], Resource: resource, Code: labels["code"]}] += m.GetCounter().GetValue()
	}
	return out, nil
}

// sub is c − before, per series; series that did not grow are left out.
func (c requestCounts) sub(before requestCounts) requestCounts {
	out := requestCounts{}
	for k, v := range c {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// add adds d to c.
func (c requestCounts) add(d requestCounts) {
	for k, v := range d {
		c[k] += v
	}
}

// minusBackground subtracts what the idle system does in the same time:
// rate (requests per second per series, measured before the load) times
// the window's duration, never below zero.
func (c requestCounts) minusBackground(rate map[requestKey]float64, window time.Duration) requestCounts {
	out := requestCounts{}
	for k, v := range c {
		if d := v - rate[k]*window.Seconds(); d > 0.5 {
			out[k] = d
		}
	}
	return out
}

// total is the number of requests.
func (c requestCounts) total() float64 {
	t := 0.0
	for _, v := range c {
		t += v
	}
	return t
}

// conflicts is the number of requests answered 409 Conflict.
func (c requestCounts) conflicts() float64 {
	t := 0.0
	for k, v := range c {
		if k.Code == "409" {
			t += v
		}
	}
	return t
}

// byVerbResource sums over codes: "CREATE workspaceusers" → count; the
// 409s of each get their own "… 409" entry besides.
func (c requestCounts) byVerbResource() map[string]float64 {
	out := map[string]float64{}
	for k, v := range c {
		out[k.Verb+" "+k.Resource] += v
		if k.Code == "409" {
			out[k.Verb+" "+k.Resource+" 409"] += v
		}
	}
	return out
}

// sortedBreakdown lists byVerbResource largest first (then by name).
func sortedBreakdown(m map[string]float64) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			if m[a] > m[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

// apiMetrics scrapes the API server's /metrics with the admin credentials.
type apiMetrics struct {
	rest rest.Interface
}

func (a apiMetrics) scrape(ctx context.Context) (requestCounts, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	raw, err := a.rest.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("GET /metrics from the API server: %w", err)
	}
	return parseRequestCounts(bytes.NewReader(raw))
}
