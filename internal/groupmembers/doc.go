// Package groupmembers places a group's members in WorkspaceGroupMembership
// shards and reads them back. It is shared by the SCIM server, which
// writes the shards, and the group controller, which reads them.
//
// A member belongs to the shard whose hash prefix is the longest prefix of
// the hex SHA-256 of its SCIM id. A group starts with one shard (prefix
// ""); a shard that would hold more than its maximum is split into sixteen,
// one per next hex digit, and removed. A split is several writes, so a
// reader may meet a shard next to its children (the writer stopped half
// way): reads take the union of every shard that covers an id, removals
// remove from all of them, and the next plan finishes the split.
package groupmembers
