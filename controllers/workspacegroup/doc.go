// Package workspacegroup holds the WorkspaceGroup controller: it keeps a
// workspace's member backend holding each group (under a stable group
// key) and, as its members, exactly the group's let-in users (internal/letin):
// the union of the group's WorkspaceGroupMembership shards, less the users
// the gate holds, the inactive, the not yet synced and the deleted. A
// held user's membership waits in the shards and is applied when the user
// is let in. It repairs drift on a jittered resync, and deprovisions the
// group per the workspace's policy before the WorkspaceGroup goes.
package workspacegroup
