// Package backend defines the member backend: the application's own store of
// members, reached through one narrow, idempotent interface keyed by a stable
// member key. It knows nothing of Kubernetes. Drivers live in sub-packages
// (sqlbackend, httpbackend); every driver passes the conformance suite in
// backendtest and is wrapped in a per-backend token-bucket rate limit.
package backend
