// Package fake is an in-memory member backend for controller tests: it
// counts calls and can be made unreachable or to refuse its credentials.
package fake
