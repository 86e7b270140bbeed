// Package indexes registers the cache field indexes the controllers share:
// WorkspaceUsers by workspace and by workspace and e-mail domain, and
// Workspaces by the Secret their backend reads. Register is safe to call
// from several controllers of one manager.
package indexes
