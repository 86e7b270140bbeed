package scimserver

import (
	"net/http"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// URNs of the discovery resources (RFC 7643 §5, §6).
const (
	urnServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	urnResourceType          = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// serviceProviderConfig answers GET /ServiceProviderConfig. Every claim in
// it is true of this server.
func (q *request) serviceProviderConfig() {
	writeJSON(q.w, http.StatusOK, map[string]any{
		"schemas":          []string{urnServiceProviderConfig},
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

func (q *request) userResourceType() map[string]any {
	return map[string]any{
		"schemas":          []string{urnResourceType},
		"id":               resource.ResourceTypeUser,
		"name":             resource.ResourceTypeUser,
		"endpoint":         "/Users",
		"description":      "User Account",
		"schema":           schema.URNUser,
		"schemaExtensions": []any{map[string]any{"schema": schema.URNEnterpriseUser, "required": false}},
		"meta": map[string]any{
			"resourceType": "ResourceType",
			"location":     q.tenantURL() + "/ResourceTypes/User",
		},
	}
}

// resourceTypes answers GET /ResourceTypes and /ResourceTypes/User.
func (q *request) resourceTypes(id string) {
	switch {
	case id == "":
		writeJSON(q.w, http.StatusOK, listResponse([]map[string]any{q.userResourceType()}, 1, 1))
	case strings.EqualFold(id, resource.ResourceTypeUser):
		writeJSON(q.w, http.StatusOK, q.userResourceType())
	default:
		q.fail(errorf(http.StatusNotFound, "", "no resource type %q: this server serves User", id))
	}
}

// schemas answers GET /Schemas and /Schemas/{urn}.
func (q *request) schemas(id string) {
	all := schemaResources()
	out := make([]map[string]any, 0, len(all))
	for _, s := range all {
		withMeta := make(map[string]any, len(s)+1)
		for k, v := range s {
			withMeta[k] = v
		}
		urn, _ := s["id"].(string)
		withMeta["meta"] = map[string]any{"resourceType": "Schema", "location": q.tenantURL() + "/Schemas/" + urn}
		if id != "" && strings.EqualFold(id, urn) {
			writeJSON(q.w, http.StatusOK, withMeta)
			return
		}
		out = append(out, withMeta)
	}
	if id != "" {
		q.fail(errorf(http.StatusNotFound, "", "no schema %q", id))
		return
	}
	writeJSON(q.w, http.StatusOK, listResponse(out, len(out), 1))
}

// schemaResources are the Schema resources of scimserver/schema as maps.
func schemaResources() []map[string]any {
	return schema.Schemas()
}
