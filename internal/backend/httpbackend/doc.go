// Package httpbackend sends members and groups to an application's REST
// endpoint that implements Rollcall's member contract
// (docs/member-api.yaml): idempotent PUT, GET and DELETE of /members/{key}
// and /groups/{key}, paged GET and batched POST of /groups/{key}/members,
// with JSON bodies, a bearer token, and an HMAC-SHA256 signature over a
// timestamp, a nonce, the method, the path and the body, so the
// application can refuse forgeries and replays.
//
// Verifier is the receiving side of the signature, for applications written
// in Go (and for the tests).
package httpbackend
