//go:build tools

// Package tools pins kube-apiserver (and kubectl, for machines without one)
// so `go build` in this module builds the control plane that envtest runs.
// It is not part of the operator.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
