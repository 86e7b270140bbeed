package schema

import "strings"

// ResourceTypeRepresentation is a resource type as GET /ResourceTypes serves
// it (RFC 7643 §6).
type ResourceTypeRepresentation struct {
	Schemas          []string           `json:"schemas"`
	ID               string             `json:"id"`
	Name             string             `json:"name"`
	Endpoint         string             `json:"endpoint"`
	Description      string             `json:"description"`
	Schema           string             `json:"schema"`
	SchemaExtensions []ExtensionRef     `json:"schemaExtensions"`
	Meta             RepresentationMeta `json:"meta"`
}

// ExtensionRef names an extension schema of a resource type.
type ExtensionRef struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

// UserResourceType is the User resource type for GET /ResourceTypes and
// GET /ResourceTypes/User. baseURL is the tenant's SCIM base URL; with an
// empty baseURL meta.location is left out.
func UserResourceType(baseURL string) ResourceTypeRepresentation {
	r := ResourceTypeRepresentation{
		Schemas:          []string{URNResourceType},
		ID:               "User",
		Name:             "User",
		Endpoint:         "/Users",
		Description:      "User Account",
		Schema:           URNUser,
		SchemaExtensions: []ExtensionRef{{Schema: URNEnterpriseUser, Required: false}},
		Meta:             RepresentationMeta{ResourceType: "ResourceType"},
	}
	if baseURL != "" {
		r.Meta.Location = strings.TrimSuffix(baseURL, "/") + "/ResourceTypes/User"
	}
	return r
}
