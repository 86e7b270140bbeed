package backend

import (
	"context"
	"encoding/json"
)

// Member is one person as the application stores them. Key is the stable
// member key chosen by the caller, never an id the backend assigns, so
// repeating a call after a crash never creates a second member.
type Member struct {
	// Key identifies the member for its whole life.
	Key string `json:"key"`
	// UserName is the person's unique sign-in name in the workspace.
	UserName string `json:"userName"`
	// ExternalID is the identity provider's id of the person.
	ExternalID string `json:"externalId,omitempty"`
	// DisplayName is the name shown for the person.
	DisplayName string `json:"displayName,omitempty"`
	// GivenName is the given (first) name.
	GivenName string `json:"givenName,omitempty"`
	// FamilyName is the family (last) name.
	FamilyName string `json:"familyName,omitempty"`
	// Email is the primary e-mail address.
	Email string `json:"email,omitempty"`
	// Active says whether the person may use the application.
	Active bool `json:"active"`
	// Profile is the full profile as a JSON object (the SCIM user), for
	// applications that want more than the attributes above. Empty means {}.
	Profile json.RawMessage `json:"profile,omitempty"`
	// Extensions are the values of the workspace's declared SCIM schema
	// extensions as a JSON object: by schema URN, then by attribute name,
	// e.g. {"urn:ietf:params:scim:schemas:extension:acme:2.0:User":
	// {"costCode":"X1"}}. They are in Profile too (its "extensions");
	// this field is for applications that read only them. Empty means {}.
	Extensions json.RawMessage `json:"extensions,omitempty"`
}

// Backend is a member store. Every method is idempotent: repeating a call
// with the same arguments leaves the store as one call would.
type Backend interface {
	// Observe reads the member with key. found is false when there is none.
	Observe(ctx context.Context, key string) (m Member, found bool, err error)
	// Upsert creates the member or replaces its attributes and active state.
	Upsert(ctx context.Context, m Member) error
	// Deactivate marks the member inactive, keeping its record. An unknown
	// key is not an error and creates nothing.
	Deactivate(ctx context.Context, key string) error
	// Delete removes the member and its group memberships. An unknown key
	// is not an error.
	Delete(ctx context.Context, key string) error

	// ObserveGroup reads the group with key. found is false when there is none.
	ObserveGroup(ctx context.Context, key string) (g Group, found bool, err error)
	// UpsertGroup creates the group or replaces its attributes, keeping its
	// memberships.
	UpsertGroup(ctx context.Context, g Group) error
	// DeleteGroup removes the group and all its memberships. An unknown key
	// is not an error.
	DeleteGroup(ctx context.Context, key string) error
	// GroupMembers returns the keys of the group's members, sorted. An
	// unknown group has none.
	GroupMembers(ctx context.Context, groupKey string) ([]string, error)
	// AddGroupMembers makes the members with memberKeys (at most
	// MaxGroupMembersPerCall) members of the group. Keys that are members
	// already and keys of members the backend does not hold are skipped; an
	// unknown group is a Rejected error. A deactivated member keeps its
	// memberships until they are removed.
	AddGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error
	// RemoveGroupMembers ends the memberships of memberKeys (at most
	// MaxGroupMembersPerCall) in the group. Keys that are not members and an
	// unknown group are not errors.
	RemoveGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error
	// Close releases the backend's connections. The backend is unusable after.
	Close() error
}
