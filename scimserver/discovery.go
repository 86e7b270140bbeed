package scimserver

import (
	"net/http"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// serviceProviderConfig answers GET /ServiceProviderConfig. Every claim in
// it is true of this server.
func (q *request) serviceProviderConfig() {
	writeJSON(q.w, http.StatusOK, map[string]any{
		"schemas":          []string{schema.URNServiceProviderConfig},
		"documentationUri": "https://github.com/rollcall-dev/rollcall",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": MaxResults},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": true},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "The workspace's SCIM token, sent as 'Authorization: Bearer <token>'.",
			"primary":     true,
		}},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     q.tenantURL() + "/ServiceProviderConfig",
		},
	})
}

// resourceTypes answers GET /ResourceTypes and /ResourceTypes/{User,Group}.
func (q *request) resourceTypes(id string) {
	switch {
	case id == "":
		writeJSON(q.w, http.StatusOK, listResponse([]schema.ResourceTypeRepresentation{
			q.schemaSet().UserResourceType(q.tenantURL()), schema.GroupResourceType(q.tenantURL())}, 2, 1))
	case strings.EqualFold(id, resource.ResourceTypeUser):
		writeJSON(q.w, http.StatusOK, q.schemaSet().UserResourceType(q.tenantURL()))
	case strings.EqualFold(id, resource.ResourceTypeGroup):
		writeJSON(q.w, http.StatusOK, schema.GroupResourceType(q.tenantURL()))
	default:
		q.fail(scimerr.New(http.StatusNotFound, "", "no resource type %q: this server serves User and Group", id))
	}
}

// schemas answers GET /Schemas and /Schemas/{urn}.
func (q *request) schemas(id string) {
	all := append(q.schemaSet().Schemas(q.tenantURL()), schema.Group.Representation(q.tenantURL()))
	if id == "" {
		writeJSON(q.w, http.StatusOK, listResponse(all, len(all), 1))
		return
	}
	for _, s := range all {
		if strings.EqualFold(id, s.ID) {
			writeJSON(q.w, http.StatusOK, s)
			return
		}
	}
	q.fail(scimerr.New(http.StatusNotFound, "", "no schema %q", id))
}
