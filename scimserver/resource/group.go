package resource

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// ResourceTypeGroup is meta.resourceType of a Group.
const ResourceTypeGroup = "Group"

// AnnotationMembersRevision counts the member changes of a WorkspaceGroup
// made through SCIM. A group's members live in other objects, so a change
// of them does not move the group's generation: the SCIM server raises
// this counter in the same write that stamps lastModified, before it
// writes the members, and the version of a group is its generation and
// this counter.
const AnnotationMembersRevision = "identity.rollcall.dev/scim-members-revision"

// MembersRevision is g's members revision (0 when never counted).
func MembersRevision(g *identityv1alpha1.WorkspaceGroup) int64 {
	n, _ := strconv.ParseInt(g.Annotations[AnnotationMembersRevision], 10, 64)
	return n
}

// GroupVersion is the weak ETag of a group: W/"<generation>.<members
// revision>". A rename moves the generation, a member change the revision;
// status writes move neither.
func GroupVersion(g *identityv1alpha1.WorkspaceGroup) string {
	return `W/"` + strconv.FormatInt(g.Generation, 10) + "." + strconv.FormatInt(MembersRevision(g), 10) + `"`
}

// LastModifiedGroup is when the group was last written through SCIM, or else created.
func LastModifiedGroup(g *identityv1alpha1.WorkspaceGroup) time.Time {
	if s, ok := g.Annotations[AnnotationLastModified]; ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	return g.CreationTimestamp.Time
}

// Member is one member of a group as served: a user of the workspace. It
// encodes as the SCIM member object; a struct, not a map, because a group
// of 50,000 members encodes several times faster so.
type Member struct {
	// Value is the user's SCIM id.
	Value string `json:"value"`
	// Ref is the absolute URL of the user.
	Ref string `json:"$ref"`
	// Display is the user's displayName, else its userName.
	Display string `json:"display,omitempty"`
	// Type is always "User".
	Type string `json:"type"`
}

// Map is m as a generic SCIM object, for selecting sub-attributes.
func (m Member) Map() map[string]any {
	out := map[string]any{"value": m.Value, "$ref": m.Ref, "type": m.Type}
	putString(out, "display", m.Display)
	return out
}

// FromWorkspaceGroup returns the SCIM Group of g. members is nil when the
// request does not want them (then "members" is left out) and empty for a
// group without members ("members": []); it is stored as given, a
// []Member, with each Type set to "User".
func FromWorkspaceGroup(g *identityv1alpha1.WorkspaceGroup, location string, members []Member) map[string]any {
	res := map[string]any{
		"schemas":     []any{schema.URNGroup},
		"id":          string(g.UID),
		"displayName": g.Spec.DisplayName,
		"meta": map[string]any{
			"resourceType": ResourceTypeGroup,
			"created":      g.CreationTimestamp.UTC().Format(time.RFC3339),
			"lastModified": LastModifiedGroup(g).UTC().Format(time.RFC3339),
			"version":      GroupVersion(g),
			"location":     location,
		},
	}
	putString(res, "externalId", g.Spec.ExternalID)
	if members != nil {
		for i := range members {
			members[i].Type = "User"
		}
		res["members"] = members
	}
	return res
}

// GroupBody is a Group resource as POST and PUT send it. Unknown
// attributes, schemas (Entra ID adds URNMicrosoftGroup) and meta are
// ignored; a client's id is returned for the caller to compare.
type GroupBody struct {
	ID          string
	DisplayName string
	ExternalID  string
	// Members are the SCIM ids of the members, as sent (deduplicated).
	Members []string
}

// ParseGroupBody reads a Group body. Attribute names match
// case-insensitively (RFC 7643 §2.1). The error is a *scimerr.Error.
func ParseGroupBody(body map[string]any) (GroupBody, error) {
	var out GroupBody
	for k, v := range body {
		switch strings.ToLower(strings.TrimPrefix(strings.ToLower(k), strings.ToLower(schema.URNGroup)+":")) {
		case "id":
			s, _ := v.(string)
			out.ID = s
		case "displayname":
			s, ok := v.(string)
			if !ok && v != nil {
				return GroupBody{}, scimerr.BadRequest(scimerr.InvalidValue, "attribute displayName must be a string")
			}
			out.DisplayName = s
		case "externalid":
			s, ok := v.(string)
			if !ok && v != nil {
				return GroupBody{}, scimerr.BadRequest(scimerr.InvalidValue, "attribute externalId must be a string")
			}
			out.ExternalID = s
		case "members":
			ids, err := MemberIDs(v)
			if err != nil {
				return GroupBody{}, err
			}
			out.Members = ids
		}
	}
	if strings.TrimSpace(out.DisplayName) == "" {
		return GroupBody{}, scimerr.BadRequest(scimerr.InvalidValue, "attribute displayName is required")
	}
	return out, nil
}

// MemberIDs reads a members value: a list of member objects (or one
// object), each {"value": "<user id>"} with optional display, $ref (null is
// fine) and type, which must be "User": nested groups are not supported.
// null and [] are no members. The ids are deduplicated, in order. The error
// is a *scimerr.Error.
func MemberIDs(v any) ([]string, error) {
	var elems []any
	switch x := v.(type) {
	case nil:
		return []string{}, nil
	case []any:
		elems = x
	case map[string]any:
		elems = []any{x}
	case string:
		// A JSON-encoded member list or object, as Entra ID sends role values.
		var decoded any
		if err := json.Unmarshal([]byte(x), &decoded); err == nil {
			if _, isString := decoded.(string); !isString {
				return MemberIDs(decoded)
			}
		}
		return nil, scimerr.BadRequest(scimerr.InvalidValue, "members must be a list of objects such as {\"value\": \"<user id>\"}, not the string %q", x)
	default:
		return nil, scimerr.BadRequest(scimerr.InvalidValue, "members must be a list of objects such as {\"value\": \"<user id>\"}")
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		id, err := memberID(e)
		if err != nil {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "members[%d]: %v", i, err)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func memberID(e any) (string, error) {
	m, ok := e.(map[string]any)
	if !ok {
		return "", errors.New("a member must be an object such as {\"value\": \"<user id>\"}")
	}
	var id string
	for k, v := range m {
		switch strings.ToLower(k) {
		case "value":
			s, ok := v.(string)
			if !ok {
				return "", errors.New("value must be the id of a user, as a string")
			}
			id = strings.TrimSpace(s)
		case "type":
			if v == nil {
				continue
			}
			s, _ := v.(string)
			if !strings.EqualFold(s, "User") {
				return "", fmt.Errorf("type %v is not supported: members are users (nested groups are not supported)", v)
			}
		}
	}
	if id == "" {
		return "", errors.New("value (the id of a user) is missing")
	}
	return id, nil
}
