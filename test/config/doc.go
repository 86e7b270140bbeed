// Package config checks the install: that config/default and its overlays
// render with kubectl's kustomize, that the objects keep what
// docs/installing.md promises (replicas, leader election, security
// contexts, resources, readiness, spread, disruption budget, network
// policies), that charts/rollcall renders the same objects, and that a
// real API server accepts every object of a kind it knows.
package config
