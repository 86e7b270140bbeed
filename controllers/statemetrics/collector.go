package statemetrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// scrapeTimeout bounds the cache reads of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	usersDesc = prometheus.NewDesc("rollcall_workspace_users",
		"Users of a workspace by state (total, active, synced, held for their domain, failed), as the Workspace's status counts them.",
		[]string{"workspace", "state"}, nil)
	readyDesc = prometheus.NewDesc("rollcall_workspace_ready",
		"1 when the workspace's Ready condition is True, else 0.",
		[]string{"workspace"}, nil)
	tokenPublishedDesc = prometheus.NewDesc("rollcall_workspace_token_published_timestamp_seconds",
		"When the workspace's current SCIM token was first published (status.tokenPublishedTime), in seconds since the epoch: time() minus it is the token's age.",
		[]string{"workspace"}, nil)
	groupsDesc = prometheus.NewDesc("rollcall_workspace_groups",
		"Groups of a workspace by state (synced: Synced is True; not_synced: the rest).",
		[]string{"workspace", "state"}, nil)
	membershipsDesc = prometheus.NewDesc("rollcall_workspace_group_memberships",
		"Group memberships of a workspace by state (total, synced into the backend, pending on their user).",
		[]string{"workspace", "state"}, nil)
	domainsDesc = prometheus.NewDesc("rollcall_workspace_domains",
		"E-mail domains claimed for a workspace, by verification method and whether Verified is True.",
		[]string{"workspace", "method", "verified"}, nil)
)

// Collector computes the gauges from reader, the manager's cached client.
type Collector struct {
	reader client.Reader
}

// Register adds a Collector over reader to the manager's metrics registry.
func Register(reader client.Reader) error {
	return metrics.Registry.Register(&Collector{reader: reader})
}

// Describe sends the gauges' descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{usersDesc, readyDesc, tokenPublishedDesc, groupsDesc, membershipsDesc, domainsDesc} {
		ch <- d
	}
}

// Collect reads the cache and sends the gauges. A kind the cache cannot
// list (not synced yet, CRD missing) is left out of this scrape.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	workspaces := &identityv1alpha1.WorkspaceList{}
	if err := c.reader.List(ctx, workspaces); err == nil {
		for i := range workspaces.Items {
			collectWorkspace(ch, &workspaces.Items[i])
		}
	}
	groups := &identityv1alpha1.WorkspaceGroupList{}
	if err := c.reader.List(ctx, groups); err == nil {
		collectGroups(ch, groups.Items)
	}
	domains := &identityv1alpha1.WorkspaceDomainList{}
	if err := c.reader.List(ctx, domains); err == nil {
		collectDomains(ch, domains.Items)
	}
}

func collectWorkspace(ch chan<- prometheus.Metric, ws *identityv1alpha1.Workspace) {
	name := ws.Namespace + "/" + ws.Name
	ready := 0.0
	if meta.IsStatusConditionTrue(ws.Status.Conditions, identityv1alpha1.ConditionReady) {
		ready = 1
	}
	ch <- prometheus.MustNewConstMetric(readyDesc, prometheus.GaugeValue, ready, name)
	if t := ws.Status.TokenPublishedTime; t != nil {
		ch <- prometheus.MustNewConstMetric(tokenPublishedDesc, prometheus.GaugeValue, float64(t.Unix()), name)
	}
	u := ws.Status.Users
	if u == nil {
		return
	}
	for state, n := range map[string]int32{"total": u.Total, "active": u.Active, "synced": u.Synced, "held": u.Held, "failed": u.Failed} {
		ch <- prometheus.MustNewConstMetric(usersDesc, prometheus.GaugeValue, float64(n), name, state)
	}
}

func collectGroups(ch chan<- prometheus.Metric, groups []identityv1alpha1.WorkspaceGroup) {
	type counts struct{ synced, notSynced, total, membersSynced, pending int32 }
	by := map[string]*counts{}
	for _, g := range groups {
		name := g.Namespace + "/" + g.Spec.WorkspaceRef.Name
		c := by[name]
		if c == nil {
			c = &counts{}
			by[name] = c
		}
		if meta.IsStatusConditionTrue(g.Status.Conditions, identityv1alpha1.ConditionSynced) {
			c.synced++
		} else {
			c.notSynced++
		}
		c.total += g.Status.Members.Total
		c.membersSynced += g.Status.Members.Synced
		c.pending += g.Status.Members.Pending
	}
	for ws, c := range by {
		ch <- prometheus.MustNewConstMetric(groupsDesc, prometheus.GaugeValue, float64(c.synced), ws, "synced")
		ch <- prometheus.MustNewConstMetric(groupsDesc, prometheus.GaugeValue, float64(c.notSynced), ws, "not_synced")
		ch <- prometheus.MustNewConstMetric(membershipsDesc, prometheus.GaugeValue, float64(c.total), ws, "total")
		ch <- prometheus.MustNewConstMetric(membershipsDesc, prometheus.GaugeValue, float64(c.membersSynced), ws, "synced")
		ch <- prometheus.MustNewConstMetric(membershipsDesc, prometheus.GaugeValue, float64(c.pending), ws, "pending")
	}
}

func collectDomains(ch chan<- prometheus.Metric, domains []identityv1alpha1.WorkspaceDomain) {
	type key struct{ ws, method, verified string }
	by := map[key]int{}
	for _, d := range domains {
		verified := "false"
		if meta.IsStatusConditionTrue(d.Status.Conditions, identityv1alpha1.ConditionVerified) {
			verified = "true"
		}
		method := string(d.Spec.Verification.Method)
		if method == "" {
			method = string(identityv1alpha1.VerificationManual)
		}
		by[key{d.Spec.WorkspaceRef.Namespace + "/" + d.Spec.WorkspaceRef.Name, method, verified}]++
	}
	for k, n := range by {
		ch <- prometheus.MustNewConstMetric(domainsDesc, prometheus.GaugeValue, float64(n), k.ws, k.method, k.verified)
	}
}
