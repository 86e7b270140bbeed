// Package indexes holds the cache field indexes the controllers share:
// WorkspaceUsers by workspace and by workspace and e-mail domain,
// Workspaces by the Secret their backend reads, WorkspaceGroups by
// workspace, and WorkspaceDomains by the workspace that claims them.
// AddDefault registers them all, once per manager (cluster-api's
// AddDefaultIndexes is the model); the controllers' SetupWithManager
// register none.
package indexes
