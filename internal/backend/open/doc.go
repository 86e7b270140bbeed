// Package open turns a Workspace's backend spec and its Secret into a
// rate-limited member backend, and keeps it: one backend per workspace,
// reused across reconciles and rebuilt when the spec or the Secret changes.
package open
