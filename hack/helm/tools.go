//go:build tools

// Package tools pins helm apart from the operator's go.mod: helm brings its
// own k8s.io modules, which must never constrain the operator's.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
