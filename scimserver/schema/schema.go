// Package schema describes the SCIM 2.0 User schemas (RFC 7643): their URNs,
// attribute definitions and the Schema resources served at /Schemas.
//
// TEMPORARY: this file holds only the URNs and a minimal Schemas() so the
// server compiles; the full implementation replaces it.
package schema

// Schema and message URNs.
const (
	URNUser           = "urn:ietf:params:scim:schemas:core:2.0:User"
	URNEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	URNListResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	URNError          = "urn:ietf:params:scim:api:messages:2.0:Error"
	URNPatchOp        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	URNSearchRequest  = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	URNSchema         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Schemas returns the Schema resources of the core User and the enterprise
// extension, for GET /Schemas.
func Schemas() []map[string]any {
	return []map[string]any{
		{
			"schemas":     []any{URNSchema},
			"id":          URNUser,
			"name":        "User",
			"description": "User Account",
			"attributes":  []any{},
		},
		{
			"schemas":     []any{URNSchema},
			"id":          URNEnterpriseUser,
			"name":        "EnterpriseUser",
			"description": "Enterprise User",
			"attributes":  []any{},
		},
	}
}
