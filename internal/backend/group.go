package backend

// Group is one group as the application stores it. Key is the stable group
// key chosen by the caller, as for members.
type Group struct {
	// Key identifies the group for its whole life.
	Key string `json:"key"`
	// DisplayName is the group's name, unique in the workspace.
	DisplayName string `json:"displayName"`
	// ExternalID is the identity provider's id of the group.
	ExternalID string `json:"externalId,omitempty"`
}

// MaxGroupMembersPerCall bounds the member keys of one AddGroupMembers or
// RemoveGroupMembers call; callers split larger changes into batches.
const MaxGroupMembersPerCall = 1000
