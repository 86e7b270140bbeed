// Package httpbackendtest is an application that implements the member
// contract (docs/member-api.yaml), members and groups, in memory, behind
// httpbackend.Verifier, on a loopback httptest server: for tests of the
// HTTP driver and of the controllers that use it. Failures can be injected.
package httpbackendtest
