package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BackendType names a member backend driver.
// +kubebuilder:validation:Enum=SQL;HTTP
type BackendType string

const (
	// BackendSQL keeps members in a SQL table (PostgreSQL or SQLite).
	BackendSQL BackendType = "SQL"
	// BackendHTTP sends members to the application's REST endpoint.
	BackendHTTP BackendType = "HTTP"
)

// SQLDriver names the SQL database a SQL backend talks to.
// +kubebuilder:validation:Enum=postgres;sqlite
type SQLDriver string

const (
	// SQLDriverPostgres talks to PostgreSQL.
	SQLDriverPostgres SQLDriver = "postgres"
	// SQLDriverSQLite uses an embedded SQLite file (local runs and small installs).
	SQLDriverSQLite SQLDriver = "sqlite"
)

// UnverifiedDomainPolicy says what the SCIM server does with a user whose
// e-mail domain is not verified for the workspace.
// +kubebuilder:validation:Enum=Hold;Reject
type UnverifiedDomainPolicy string

const (
	// UnverifiedDomainHold stores the user but keeps it out of the member
	// backend until the domain is verified.
	UnverifiedDomainHold UnverifiedDomainPolicy = "Hold"
	// UnverifiedDomainReject refuses the user with a SCIM error naming the domain.
	UnverifiedDomainReject UnverifiedDomainPolicy = "Reject"
)

// UnknownAttributePolicy says what the SCIM server does with an attribute
// of a User that is neither in the core schema, the enterprise extension
// nor one of the workspace's declared schema extensions.
// +kubebuilder:validation:Enum=Ignore;Reject
type UnknownAttributePolicy string

const (
	// UnknownAttributesIgnore drops the attribute, provisions the user and
	// lists the attribute's name in the Workspace's status.
	UnknownAttributesIgnore UnknownAttributePolicy = "Ignore"
	// UnknownAttributesReject refuses the whole user with 400 invalidPath.
	UnknownAttributesReject UnknownAttributePolicy = "Reject"
)

// ExtensionAttributeType is the SCIM data type of an extension attribute
// (RFC 7643 §2.3). Complex attributes are not offered.
// +kubebuilder:validation:Enum=string;boolean;integer;dateTime;reference
type ExtensionAttributeType string

// Types of extension attributes.
const (
	ExtensionString    ExtensionAttributeType = "string"
	ExtensionBoolean   ExtensionAttributeType = "boolean"
	ExtensionInteger   ExtensionAttributeType = "integer"
	ExtensionDateTime  ExtensionAttributeType = "dateTime"
	ExtensionReference ExtensionAttributeType = "reference"
)

// ExtensionAttribute declares one attribute of a schema extension.
type ExtensionAttribute struct {
	// name of the attribute as the identity provider sends it, e.g.
	// "costCode" (RFC 7643 §2.1: a letter, then letters, digits, '-' or '_').
	// Matched case-insensitively.
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9_-]{0,63}$`
	Name string `json:"name"`

	// type of the values: string, boolean, integer, dateTime (RFC 3339) or
	// reference (a URI). Default string.
	// +kubebuilder:default=string
	// +optional
	Type ExtensionAttributeType `json:"type,omitempty"`

	// multiValued says the attribute holds a list of values (at most 32).
	// +optional
	MultiValued bool `json:"multiValued,omitempty"`

	// required makes a User without a value for the attribute a 400
	// invalidValue, on create and on every change.
	// +optional
	Required bool `json:"required,omitempty"`

	// caseExact makes filters compare the attribute's strings exactly;
	// otherwise case is ignored, as for most SCIM strings.
	// +optional
	CaseExact bool `json:"caseExact,omitempty"`

	// description is served in /Schemas.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`
}

// SchemaExtension declares a SCIM schema extension of the User resource:
// what Entra ID calls a custom extension attribute
// (urn:ietf:params:scim:schemas:extension:<name>:2.0:User:<attribute>) and
// Okta a custom app-user attribute with an external namespace.
// +kubebuilder:validation:XValidation:rule="!self.urn.lowerAscii().startsWith('urn:ietf:params:scim:schemas:core:') && !self.urn.lowerAscii().startsWith('urn:ietf:params:scim:schemas:extension:enterprise:2.0:user')",message="urn must not be the core User schema or the enterprise extension, which Rollcall serves already"
type SchemaExtension struct {
	// urn is the schema's id, e.g.
	// "urn:ietf:params:scim:schemas:extension:acme:2.0:User". Matched
	// case-insensitively.
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^urn:[A-Za-z0-9][A-Za-z0-9-]*(:[A-Za-z0-9._-]+)+$`
	URN string `json:"urn"`

	// name is the schema's short name in /Schemas; defaults to the URN's
	// second-to-last part (e.g. "acme").
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Name string `json:"name,omitempty"`

	// description is served in /Schemas.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`

	// required makes the extension required of every User (schemaExtensions
	// of /ResourceTypes/User). It says nothing of single attributes: mark
	// those required themselves.
	// +optional
	Required bool `json:"required,omitempty"`

	// attributes of the extension.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=name
	Attributes []ExtensionAttribute `json:"attributes"`
}

// DeprovisioningPolicy says what happens to a member in the backend when its
// WorkspaceUser is deleted.
// +kubebuilder:validation:Enum=Deactivate;Delete;Retain
type DeprovisioningPolicy string

const (
	// DeprovisionDeactivate marks the member inactive and keeps its record.
	DeprovisionDeactivate DeprovisioningPolicy = "Deactivate"
	// DeprovisionDelete removes the member from the backend.
	DeprovisionDelete DeprovisioningPolicy = "Delete"
	// DeprovisionRetain leaves the member in the backend untouched.
	DeprovisionRetain DeprovisioningPolicy = "Retain"
)

// SecretKeyReference names one key of a Secret in the workspace's namespace.
type SecretKeyReference struct {
	// name of the Secret, in the same namespace as the Workspace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key within the Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// SecretReference names a Secret in the workspace's namespace.
type SecretReference struct {
	// name of the Secret, in the same namespace as the Workspace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// SQLBackend keeps members in a table that the driver creates and migrates.
type SQLBackend struct {
	// driver is the database: "postgres" (pgx) or "sqlite" (embedded, pure Go).
	Driver SQLDriver `json:"driver"`

	// dsnSecretRef names the Secret key holding the data source name, e.g.
	// "postgres://rollcall@db:5432/app?sslmode=require" or "file:/data/members.db".
	DSNSecretRef SecretKeyReference `json:"dsnSecretRef"`

	// maxConnections bounds the driver's connection pool (1 to 100).
	// Default 4.
	// +kubebuilder:default=4
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	MaxConnections int32 `json:"maxConnections,omitempty"`
}

// HTTPBackend sends members to a REST endpoint of the application that
// implements Rollcall's member contract (docs/member-api.yaml).
type HTTPBackend struct {
	// url is the base URL of the member API; members live under <url>/members/<key>.
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (url(self).getScheme() == 'https' || url(self).getScheme() == 'http')",message="url must be an absolute http or https URL"
	URL string `json:"url"`

	// credentialsSecretRef names a Secret with key "token" (sent as a bearer
	// token) and key "signingKey" (the HMAC-SHA256 key that signs each request).
	CredentialsSecretRef SecretReference `json:"credentialsSecretRef"`

	// timeout bounds each request to the application. Default 10s.
	// +kubebuilder:default="10s"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// RateLimit is a token bucket.
type RateLimit struct {
	// requestsPerSecond is the sustained rate (1 to 10000).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	RequestsPerSecond int32 `json:"requestsPerSecond"`

	// burst is the bucket size: how many requests may go at once (1 to 10000).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Burst int32 `json:"burst"`
}

// BackendSpec selects the member backend: the application's own store of members.
// +kubebuilder:validation:XValidation:rule="self.type == 'SQL' ? (has(self.sql) && !has(self.http)) : (has(self.http) && !has(self.sql))",message="set exactly the block that matches type: sql for SQL, http for HTTP"
type BackendSpec struct {
	// type selects the driver: SQL or HTTP.
	// +unionDiscriminator
	Type BackendType `json:"type"`

	// sql configures the SQL driver; required when type is SQL.
	// +optional
	SQL *SQLBackend `json:"sql,omitempty"`

	// http configures the HTTP driver; required when type is HTTP.
	// +optional
	HTTP *HTTPBackend `json:"http,omitempty"`

	// rateLimit bounds the calls the operator makes to the backend, so retry
	// storms never reach the application. Default 50 requests per second,
	// burst 100: a new user costs about two calls (a read, a write), so the
	// default lets about 25 users a second in. Raise it for a first
	// provisioning cycle of many users if the application can take it.
	// +kubebuilder:default={requestsPerSecond: 50, burst: 100}
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`
}

// SCIMSpec configures the workspace's SCIM 2.0 endpoint (its Tenant URL).
type SCIMSpec struct {
	// enabled turns the workspace's SCIM endpoint on. When false no token is
	// generated and the Tenant URL refuses every request: 401, as for an
	// unknown workspace, or 404 to a request that still carries a token of
	// this workspace. Default true.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// tokenSecretName names the Secret (key "token") holding the bearer token
	// the identity provider sends. When the Secret does not exist the operator
	// generates it (256 random bits, owned by the Workspace). Defaults to
	// "<workspace>-scim-token".
	// +kubebuilder:validation:MaxLength=253
	// +optional
	TokenSecretName string `json:"tokenSecretName,omitempty"`

	// unverifiedDomains says what happens to a user whose e-mail domain is not
	// verified for this workspace: Hold stores the user and keeps it out of the
	// member backend until the domain is verified; Reject refuses it with a
	// SCIM error naming the domain. Default Hold.
	// +kubebuilder:default=Hold
	// +optional
	UnverifiedDomains UnverifiedDomainPolicy `json:"unverifiedDomains,omitempty"`

	// claimUnknownDomains lets the SCIM server create an unverified
	// WorkspaceDomain claim for a domain nobody has claimed yet, for an approver
	// to act on (method Manual). A domain claimed by another workspace is
	// never taken over. Claims are made only for users the server stores
	// (under unverifiedDomains Hold; a refused request claims nothing), at
	// most 20 unverified ones per workspace at a time, and never for public
	// mail domains (gmail.com, outlook.com and the like). Off by default.
	// +optional
	ClaimUnknownDomains bool `json:"claimUnknownDomains,omitempty"`

	// rateLimit bounds the requests the SCIM endpoint accepts for this
	// workspace; past it the server answers 429 with Retry-After. Each SCIM
	// server replica keeps its own bucket. Default 50 requests per second,
	// burst 100: it protects the API server and the other workspaces from
	// one tenant's flood. Entra ID sends about four requests per new user,
	// so the default admits about 12 new users a second; a refused request
	// is retried, at worst in the next provisioning cycle, and many
	// refusals can put the provisioning job in quarantine. Raise it for a
	// first cycle of thousands of users.
	// +kubebuilder:default={requestsPerSecond: 50, burst: 100}
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// schemaExtensions declares SCIM schema extensions of the User beyond
	// the enterprise extension: their attributes are accepted in POST, PUT
	// and PATCH, type-checked, filterable, returned, stored in the
	// WorkspaceUser's spec.extensions and handed to the member backend.
	// They are served in /Schemas and /ResourceTypes. At most 8.
	//
	// Entra ID: an attribute added to the target schema as
	// urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:costCenterCode
	// is declared as
	//   {urn: "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User",
	//    attributes: [{name: costCenterCode}]}.
	// Okta: a custom app-user attribute with external name "region" and
	// external namespace urn:ietf:params:scim:schemas:extension:custom:2.0:User
	// is declared as
	//   {urn: "urn:ietf:params:scim:schemas:extension:custom:2.0:User",
	//    attributes: [{name: region}]}.
	// docs/schema-extensions.md has the steps in each console.
	// +kubebuilder:validation:MaxItems=8
	// +listType=map
	// +listMapKey=urn
	// +optional
	SchemaExtensions []SchemaExtension `json:"schemaExtensions,omitempty"`

	// unknownAttributes says what happens to an attribute that is neither in
	// the core User, the enterprise extension nor a declared schema
	// extension (a mapping typo such as "adreses", or an extension not
	// declared): Ignore drops it and provisions the user, listing the
	// attribute in status.ignoredAttributes with a Warning event; Reject
	// refuses the whole user with 400 invalidPath. Default Ignore.
	// +kubebuilder:default=Ignore
	// +optional
	UnknownAttributes UnknownAttributePolicy `json:"unknownAttributes,omitempty"`
}

// WorkspaceSpec is the desired state of a Workspace.
type WorkspaceSpec struct {
	// backend is where the workspace's members live.
	Backend BackendSpec `json:"backend"`

	// scim configures the workspace's SCIM endpoint.
	// +kubebuilder:default={enabled: true}
	// +optional
	SCIM SCIMSpec `json:"scim,omitempty"`

	// deprovisioning says what happens to a member in the backend when its
	// WorkspaceUser is deleted: Deactivate (default) keeps an inactive record,
	// Delete removes it, Retain leaves it untouched. Uninstalling the operator
	// never deletes members unless this is Delete.
	// +kubebuilder:default=Deactivate
	// +optional
	Deprovisioning DeprovisioningPolicy `json:"deprovisioning,omitempty"`

	// resyncInterval is how often each user is compared with the backend to
	// repair drift (with ±10% jitter). Default 10m.
	// +kubebuilder:default="10m"
	// +optional
	ResyncInterval *metav1.Duration `json:"resyncInterval,omitempty"`
}

// UserCounts counts a workspace's users by state.
type UserCounts struct {
	// total is the number of WorkspaceUsers of the workspace.
	Total int32 `json:"total"`
	// active is the number of users with active true.
	Active int32 `json:"active"`
	// held is the number of users waiting for their e-mail domain to be verified.
	Held int32 `json:"held"`
	// synced is the number of users whose member matches the backend.
	Synced int32 `json:"synced"`
	// failed is the number of users whose last sync failed.
	Failed int32 `json:"failed"`
}

// WorkspaceStatus is the observed state of a Workspace.
type WorkspaceStatus struct {
	// observedGeneration is the generation the status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// tenantURL is the SCIM endpoint to paste into the identity provider
	// ("Tenant URL" in Entra ID, "SCIM connector base URL" in Okta).
	// +optional
	TenantURL string `json:"tenantURL,omitempty"`

	// tokenSecretName names the Secret whose key "token" is the bearer token
	// ("Secret Token" in Entra ID).
	// +optional
	TokenSecretName string `json:"tokenSecretName,omitempty"`

	// publishedTokenVersion is the resourceVersion of the token Secret whose
	// tokens the SCIM server accepts: the controller has published their
	// digests for it. After a rotation the new token is accepted once this
	// is the Secret's resourceVersion; until then the tokens published
	// before are. Empty when no token is published.
	// +optional
	PublishedTokenVersion string `json:"publishedTokenVersion,omitempty"`

	// tokenPublishedTime is when the controller first published the current
	// token: its age is how long the identity provider has held it (rotate
	// it with kubectl rollcall workspace rotate-token). A token published
	// before this field existed counts from its Secret's creation. Empty
	// when no token is published.
	// +optional
	TokenPublishedTime *metav1.Time `json:"tokenPublishedTime,omitempty"`

	// users counts the workspace's users by state.
	// +optional
	Users *UserCounts `json:"users,omitempty"`

	// ignoredAttributes lists, sorted, the names of attributes the SCIM
	// server dropped from this workspace's users under unknownAttributes
	// Ignore: attributes no schema of the workspace declares. Each name is
	// reported once by a Warning event (UnknownAttributeIgnored) when it
	// first appears here. At most 32 names; a user carries the names in
	// its identity.rollcall.dev/ignored-attributes annotation until a
	// POST or PUT without them.
	// +kubebuilder:validation:MaxItems=32
	// +listType=set
	// +optional
	IgnoredAttributes []string `json:"ignoredAttributes,omitempty"`

	// conditions: Ready (SCIMReady is True or SCIM is disabled on purpose,
	// and BackendReady is True), SCIMReady (token and Tenant URL published),
	// BackendReady (backend reachable).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Workspace is one application whose members Rollcall provisions from an
// identity provider: its member backend, SCIM endpoint and deprovisioning policy.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ws,categories=rollcall
// +kubebuilder:printcolumn:name="Backend",type=string,JSONPath=`.spec.backend.type`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Users",type=integer,JSONPath=`.status.users.total`
// +kubebuilder:printcolumn:name="Held",type=integer,JSONPath=`.status.users.held`
// +kubebuilder:printcolumn:name="Tenant-URL",type=string,JSONPath=`.status.tenantURL`,priority=1
// +kubebuilder:printcolumn:name="Token-Age",type=date,JSONPath=`.status.tokenPublishedTime`,priority=1,description="Time since the current SCIM token was published"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Workspace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the workspace.
	Spec WorkspaceSpec `json:"spec"`

	// status is the observed state of the workspace.
	// +optional
	Status WorkspaceStatus `json:"status,omitempty"`
}

// WorkspaceList is a list of Workspaces.
//
// +kubebuilder:object:root=true
type WorkspaceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Workspace `json:"items"`
}
