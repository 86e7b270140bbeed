// Package memberbackend is the Kubernetes side of the member backend: it
// turns a Workspace's backend spec and the Secret it names into a
// rate-limited member backend (internal/backend and its drivers, which know
// nothing of Kubernetes), and keeps it: one backend per workspace, reused
// across reconciles and rebuilt when the spec or the Secret changes. It also
// maps backend errors to the condition reasons the controllers report.
package memberbackend
