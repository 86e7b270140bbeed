// Package statemetrics exports what the operator's objects say as
// Prometheus gauges, computed from the manager's cache at each scrape:
// users by state per workspace (from the Workspace's status counts),
// groups and their memberships by state, claimed domains by method and
// verification, and whether each workspace is Ready. A scrape reads the
// cache only; it sends nothing to the API server.
package statemetrics
