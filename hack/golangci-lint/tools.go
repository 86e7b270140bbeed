//go:build tools

// Package tools pins golangci-lint apart from the operator's go.mod, so its
// dependencies never constrain the operator's.
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
