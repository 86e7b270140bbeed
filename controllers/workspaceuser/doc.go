// Package workspaceuser holds the WorkspaceUser controller: it holds a user
// until the e-mail domain is verified for the workspace (the user gate),
// makes the user a member of the workspace's backend under a stable member
// key, repairs drift on a jittered resync, and deprovisions the member per
// the workspace's policy before the WorkspaceUser goes.
package workspaceuser
