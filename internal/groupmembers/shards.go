package groupmembers

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// maxPrefix is the longest hash prefix a shard may have: sixteen levels of
// sixteen-way splits, far more than any group needs.
const maxPrefix = 16

// Hash is the hex SHA-256 of a member's SCIM id, whose prefixes place it.
func Hash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:maxPrefix/2])
}

// ShardName is the object name of group's shard for prefix.
func ShardName(group, prefix string) string { return group + "-m" + prefix }

// Shards is a group's member list as stored: hash prefix → the sorted SCIM
// ids of that shard. Values are shared with the caller and never changed.
type Shards map[string][]string

// Contains reports whether id is a member: in any shard covering it.
func (s Shards) Contains(id string) bool {
	h := Hash(id)
	for l := 0; l <= maxPrefix; l++ {
		if members, ok := s[h[:l]]; ok {
			if _, found := slices.BinarySearch(members, id); found {
				return true
			}
		}
	}
	return false
}

// Members returns every member once, sorted.
func (s Shards) Members() []string {
	n := 0
	for _, m := range s {
		n += len(m)
	}
	out := make([]string, 0, n)
	for _, m := range s {
		out = append(out, m...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Len is the number of members.
func (s Shards) Len() int {
	if len(s) == 1 {
		for _, m := range s {
			return len(m)
		}
	}
	return len(s.Members())
}

// Largest is the number of ids in the fullest shard.
func (s Shards) Largest() int {
	n := 0
	for _, m := range s {
		n = max(n, len(m))
	}
	return n
}
