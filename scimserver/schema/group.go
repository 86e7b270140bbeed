package schema

import "strings"

// Group schema URNs.
const (
	// URNGroup is the core Group schema (RFC 7643 §4.2).
	URNGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"
	// URNMicrosoftGroup is the schema Entra ID lists next to URNGroup in
	// the groups it creates. It defines nothing Rollcall stores; it is
	// accepted and not echoed.
	URNMicrosoftGroup = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
)

// Group is the core Group schema (RFC 7643 §4.2 and §8.7.1) as Rollcall
// serves it. Members are users only: a member of type "Group" (a nested
// group) is refused.
var Group = Schema{
	ID:          URNGroup,
	Name:        "Group",
	Description: "Group",
	Attributes: []Attribute{
		str("id", "Unique identifier for the SCIM resource as defined by the service provider. Stable for the life of the group.").
			caseExact().readOnly().withReturned(ReturnedAlways).serverUnique(),
		str("externalId", "A String that is an identifier for the resource as defined by the provisioning client.").caseExact(),
		str("displayName", "A human-readable name for the Group. Unique per workspace, case-insensitively.").
			required().serverUnique(),
		complexAttr("members", "A list of members of the Group. Users only: nested groups are not supported.", true,
			str("value", "Identifier of the member of this Group: the id of a User of the workspace.").caseExact().immutable(),
			typed(TypeReference, "$ref", "The URI corresponding to a SCIM resource that is a member of this Group.").
				caseExact().immutable().references("User"),
			str("display", "A human-readable name, primarily used for display purposes: the member's displayName, else its userName.").readOnly(),
			str("type", "A label indicating the type of resource. Only 'User' is supported.").immutable().canonical("User"),
		),
		complexAttr("meta", "A complex attribute containing resource metadata.", false,
			str("resourceType", "The name of the resource type of the resource.").caseExact().readOnly(),
			typed(TypeDateTime, "created", "The DateTime that the resource was added to the service provider.").readOnly(),
			typed(TypeDateTime, "lastModified", "The most recent DateTime that the details of this resource were updated at the service provider.").readOnly(),
			typed(TypeReference, "location", "The URI of the resource being returned.").caseExact().readOnly().references("uri"),
			str("version", "The version of the resource being returned (its entity tag).").caseExact().readOnly(),
		).readOnly(),
	},
}

func (a Attribute) immutable() Attribute { a.Mutability = Immutable; return a }

func (a Attribute) serverUnique() Attribute { a.Uniqueness = UniquenessServer; return a }

// GroupResourceType is the Group resource type for GET /ResourceTypes and
// GET /ResourceTypes/Group; see UserResourceType.
func GroupResourceType(baseURL string) ResourceTypeRepresentation {
	r := ResourceTypeRepresentation{
		Schemas:          []string{URNResourceType},
		ID:               "Group",
		Name:             "Group",
		Endpoint:         "/Groups",
		Description:      "Group",
		Schema:           URNGroup,
		SchemaExtensions: []ExtensionRef{},
		Meta:             RepresentationMeta{ResourceType: "ResourceType"},
	}
	if baseURL != "" {
		r.Meta.Location = strings.TrimSuffix(baseURL, "/") + "/ResourceTypes/Group"
	}
	return r
}
