// Package faults holds the fault tests: each starts real processes (the
// manager binary built from cmd/manager, as controllers and/or SCIM
// server; kube-apiserver and etcd from bin/k8s; a SQLite member store
// file; the HTTP member backend of httpbackendtest behind a loopback
// proxy), drives provisioning over SCIM HTTP on loopback, breaks one part
// on purpose, and checks that nothing the SCIM server accepted was lost or
// duplicated once the fault is over.
//
// The tests carry the build tag "faults", so `make test` does not run them;
// `make test-faults` does. Each is bounded (a deadline per phase and the
// go test -timeout) and stops every process it started when it ends, in
// pass or failure. Each prints one figures line:
//
//	FAULT apiserver-sigstop: users=200 lost=0 duplicated=0 converged_after=3.1s
//
// lost is the number of users the SCIM server accepted (201) that never
// reached the member store; duplicated counts userNames with more than one
// WorkspaceUser or more than one member; converged_after runs from the end
// of the fault to the last user Synced with its member in the store.
//
// The scenarios:
//
//   - apiserver-sigstop, apiserver-sigkill: kube-apiserver is frozen
//     (SIGSTOP) for 10 s during provisioning, then thawed; and killed
//     (SIGKILL) and started again on the same port and etcd. Meanwhile the
//     SCIM server answers 503 with Retry-After within its API deadline
//     instead of hanging.
//   - sqlite-locked, http-backend-down: the member backend is unavailable
//     for 10 s (the test holds an exclusive write lock on the SQLite file;
//     the HTTP backend stops listening). Users created meanwhile show
//     Synced=False with a reason and are not in the store; afterwards every
//     one converges.
//   - manager-sigkill: the controllers' process is killed with SIGKILL
//     three times at random points while users are provisioned and three
//     times while they are deleted, and started again each time. No member
//     is lost or made twice and no finalizer is left behind.
//   - manager-sigkill-after-backend-write: a reverse proxy before the HTTP
//     backend kills the controllers' process the moment the backend has
//     stored a member, before its answer reaches the manager, three times:
//     the restarted manager makes no second member.
//   - scim-race-create, scim-race-rename: two SCIM server processes receive
//     POSTs of the same 40 userNames at once, then renames of pairs of users
//     to the same new userName at once: one user per userName.
//   - leader-handover: two controller processes with leader election; the
//     leader is killed mid-provisioning, the other takes over (handover time
//     printed) and provisioning completes.
//   - teardown-<policy>, uninstall: Workspaces under each deprovisioning
//     policy (Retain, Deactivate, Delete) are deleted, with the manager
//     killed once during the deletion; and the CRDs are deleted in kubectl's
//     order (on a control plane of its own). Every member ends as its
//     workspace's policy says.
//   - stalled-backend: one workspace's HTTP backend accepts connections and
//     never answers; another workspace's users still sync on time.
package faults
