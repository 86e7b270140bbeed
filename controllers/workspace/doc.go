// Package workspace holds the Workspace controller: it generates the SCIM
// token Secret, publishes the Tenant URL and reports the workspace's
// conditions.
package workspace
