// Package e2e runs Rollcall as a cluster runs it and checks what an
// operator would check after installing it.
//
// It installs config/default (CRDs, RBAC, service accounts, the manager's
// Deployments, Services and NetworkPolicy, the admission policies) into the
// source-built kube-apiserver with server-side apply, for real. No kubelet
// runs the Deployments; instead the test runs the manager binary twice, as
// the two Deployments would: the controllers under the rollcall-controller
// service account and the SCIM server under the rollcall-scim service
// account, each with a kubeconfig holding a token the TokenRequest API
// issued for that account, never the admin's credentials. So every request
// the processes make is authorised by the shipped RBAC and admission
// policies alone.
//
// Through those processes it provisions a workspace with an SQLite member
// store over SCIM HTTP (a user created and patched, a group created and the
// user added, the user deleted) and reads the store's tables to see each
// step land. Then it checks, with requests made under each identity, that
// what the design promises each may not do is refused with 403: the SCIM
// server may not read Secrets in a workspace's namespace, set a domain's
// Verified condition or delete a Workspace; the controllers may not verify
// a Manual domain (the admission policy) or create a Workspace.
//
// The test needs the control plane under bin/k8s and kubectl beside it;
// `go test -short` skips it.
package e2e
