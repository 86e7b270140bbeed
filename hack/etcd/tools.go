//go:build tools

// Package tools pins the etcd server so `go build` in this module builds the
// etcd that envtest runs. It is not part of the operator.
package tools

import _ "go.etcd.io/etcd/server/v3"
