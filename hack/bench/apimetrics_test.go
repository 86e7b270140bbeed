package main

import (
	"strings"
	"testing"
	"time"
)

const exposition = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="201",component="apiserver",dry_run="",group="identity.rollcall.dev",resource="workspaceusers",scope="resource",subresource="",verb="POST",version="v1alpha1"} 10
apiserver_request_total{code="201",component="apiserver",dry_run="",group="identity.rollcall.dev",resource="workspaceusers",scope="resource",subresource="",verb="CREATE",version="v1alpha1"} 4
apiserver_request_total{code="409",component="apiserver",dry_run="",group="coordination.k8s.io",resource="leases",scope="resource",subresource="",verb="CREATE",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="identity.rollcall.dev",resource="workspaceusers",scope="resource",subresource="status",verb="APPLY",version="v1alpha1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="/metrics",verb="GET",version=""} 99
`

func TestParseRequestCountsSumsAndSkipsNonResourceURLs(t *testing.T) {
	got, err := parseRequestCounts(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	if got.total() != 23 {
		t.Fatalf("total = %v, want 23 (the /metrics GETs left out): %v", got.total(), got)
	}
	if v := got[requestKey{Verb: "APPLY", Resource: "workspaceusers/status", Code: "200"}]; v != 7 {
		t.Errorf("status subresource = %v, want 7", v)
	}
	if got.conflicts() != 2 {
		t.Errorf("409s = %v, want 2", got.conflicts())
	}
}

func TestDeltaBackgroundAndBreakdown(t *testing.T) {
	before := requestCounts{
		{Verb: "CREATE", Resource: "workspaceusers", Code: "201"}: 5,
		{Verb: "UPDATE", Resource: "leases", Code: "200"}:         100,
	}
	after := requestCounts{
		{Verb: "CREATE", Resource: "workspaceusers", Code: "201"}: 25,
		{Verb: "UPDATE", Resource: "leases", Code: "200"}:         110,
		{Verb: "CREATE", Resource: "leases", Code: "409"}:         3,
	}
	d := after.sub(before)
	if d.total() != 33 {
		t.Fatalf("delta total = %v, want 33", d.total())
	}
	// The idle system renews a lease once a second: 10 s of window is 10
	// renewals that are not the load's.
	bg := map[requestKey]float64{{Verb: "UPDATE", Resource: "leases", Code: "200"}: 1}
	net := d.minusBackground(bg, 10*time.Second)
	if net.total() != 23 {
		t.Fatalf("without background = %v, want 23: %v", net.total(), net)
	}
	acc := requestCounts{}
	acc.add(net)
	acc.add(net)
	b := acc.byVerbResource()
	if b["CREATE workspaceusers"] != 40 || b["CREATE leases"] != 6 || b["CREATE leases 409"] != 6 {
		t.Fatalf("breakdown = %v", b)
	}
	keys := sortedBreakdown(b)
	if keys[0] != "CREATE workspaceusers" || keys[1] != "CREATE leases" || keys[2] != "CREATE leases 409" {
		t.Fatalf("order = %v", keys)
	}
}
