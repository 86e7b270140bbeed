package schema

// Schema and message URNs of RFC 7643 and RFC 7644.
const (
	// URNUser is the core User schema (RFC 7643 §4.1).
	URNUser = "urn:ietf:params:scim:schemas:core:2.0:User"
	// URNEnterpriseUser is the enterprise User extension (RFC 7643 §4.3).
	URNEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// URNEnterpriseUserMisspelt is the enterprise extension's URN without
	// its last colon, as Entra ID's older examples send it. ByURN takes it
	// for URNEnterpriseUser, so an extension object sent under it is kept.
	URNEnterpriseUserMisspelt = "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"
	// URNListResponse is the schema of a list response (RFC 7644 §3.4.2).
	URNListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	// URNError is the schema of an error response (RFC 7644 §3.12).
	URNError = "urn:ietf:params:scim:api:messages:2.0:Error"
	// URNPatchOp is the schema of a PATCH request (RFC 7644 §3.5.2).
	URNPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	// URNSearchRequest is the schema of a POST .search request (RFC 7644 §3.4.3).
	URNSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	// URNServiceProviderConfig is the schema of /ServiceProviderConfig (RFC 7643 §5).
	URNServiceProviderConfig = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	// URNResourceType is the schema of /ResourceTypes entries (RFC 7643 §6).
	URNResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	// URNSchema is the schema of /Schemas entries (RFC 7643 §7).
	URNSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)
