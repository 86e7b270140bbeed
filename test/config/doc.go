// Package config checks that the kustomize tree in config/ renders and that
// every object it renders is accepted by a real API server.
package config
