package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkspaceReference names a Workspace in the same namespace.
type WorkspaceReference struct {
	// name of the Workspace, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Name is the SCIM "name" complex attribute: the components of a person's name.
type Name struct {
	// formatted is the full name, formatted for display.
	// +optional
	Formatted string `json:"formatted,omitempty"`
	// familyName is the family (last) name.
	// +optional
	FamilyName string `json:"familyName,omitempty"`
	// givenName is the given (first) name.
	// +optional
	GivenName string `json:"givenName,omitempty"`
	// middleName is the middle name(s).
	// +optional
	MiddleName string `json:"middleName,omitempty"`
	// honorificPrefix, e.g. "Ms.".
	// +optional
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	// honorificSuffix, e.g. "III".
	// +optional
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

// Email is one SCIM e-mail address.
type Email struct {
	// value is the address, e.g. "ada@example.com".
	// +kubebuilder:validation:MaxLength=320
	Value string `json:"value"`
	// type is a label such as "work", "home" or "other".
	// +optional
	Type string `json:"type,omitempty"`
	// primary marks the preferred address; at most one is primary.
	// +optional
	Primary bool `json:"primary,omitempty"`
	// display is a human-readable form of the address.
	// +optional
	Display string `json:"display,omitempty"`
}

// PhoneNumber is one SCIM phone number.
type PhoneNumber struct {
	// value is the number, e.g. "+1 555 0100".
	Value string `json:"value"`
	// type is a label such as "work", "mobile" or "fax".
	// +optional
	Type string `json:"type,omitempty"`
	// primary marks the preferred number.
	// +optional
	Primary bool `json:"primary,omitempty"`
	// display is a human-readable form of the number.
	// +optional
	Display string `json:"display,omitempty"`
}

// Address is one SCIM postal address.
type Address struct {
	// formatted is the full address, formatted for display.
	// +optional
	Formatted string `json:"formatted,omitempty"`
	// streetAddress is the street and number.
	// +optional
	StreetAddress string `json:"streetAddress,omitempty"`
	// locality is the city.
	// +optional
	Locality string `json:"locality,omitempty"`
	// region is the state or region.
	// +optional
	Region string `json:"region,omitempty"`
	// postalCode is the zip or postal code.
	// +optional
	PostalCode string `json:"postalCode,omitempty"`
	// country is the country (ISO 3166-1 alpha-2 by convention).
	// +optional
	Country string `json:"country,omitempty"`
	// type is a label such as "work" or "home".
	// +optional
	Type string `json:"type,omitempty"`
	// primary marks the preferred address.
	// +optional
	Primary bool `json:"primary,omitempty"`
}

// Role is one SCIM role: an application role granted in the identity provider.
type Role struct {
	// value is the role, e.g. "Admin".
	Value string `json:"value"`
	// display is a human-readable name of the role.
	// +optional
	Display string `json:"display,omitempty"`
	// type is a label, e.g. "WindowsAzureActiveDirectoryRole".
	// +optional
	Type string `json:"type,omitempty"`
	// primary marks the preferred role.
	// +optional
	Primary bool `json:"primary,omitempty"`
}

// Manager is the enterprise extension's reference to a user's manager.
type Manager struct {
	// value is the SCIM id of the manager's user.
	// +optional
	Value string `json:"value,omitempty"`
	// ref is the URI of the manager's user ("$ref" in SCIM).
	// +optional
	Ref string `json:"ref,omitempty"`
	// displayName is the manager's name.
	// +optional
	DisplayName string `json:"displayName,omitempty"`
}

// EnterpriseUser holds the SCIM enterprise extension
// (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User).
type EnterpriseUser struct {
	// employeeNumber is the organisation's identifier of the person.
	// +optional
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	// costCenter is the cost centre.
	// +optional
	CostCenter string `json:"costCenter,omitempty"`
	// organization is the organisation name.
	// +optional
	Organization string `json:"organization,omitempty"`
	// division is the division name.
	// +optional
	Division string `json:"division,omitempty"`
	// department is the department name.
	// +optional
	Department string `json:"department,omitempty"`
	// manager is the person's manager.
	// +optional
	Manager *Manager `json:"manager,omitempty"`
}

// WorkspaceUserSpec is one person, as the SCIM core User and the enterprise
// extension describe them.
type WorkspaceUserSpec struct {
	// workspaceRef names the Workspace (same namespace) the person belongs to.
	// It cannot be changed.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="workspaceRef is immutable"
	WorkspaceRef WorkspaceReference `json:"workspaceRef"`

	// userName is the unique identifier of the person in the workspace
	// (case-insensitive), usually the sign-in address.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	UserName string `json:"userName"`

	// externalId is the identity provider's own id for the person.
	// +kubebuilder:validation:MaxLength=512
	// +optional
	ExternalID string `json:"externalId,omitempty"`

	// active says whether the person may use the workspace. A user with active
	// false is kept as an inactive member. Default true.
	// +kubebuilder:default=true
	// +optional
	Active *bool `json:"active,omitempty"`

	// displayName is the name shown for the person.
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// nickName is the casual name of the person.
	// +optional
	NickName string `json:"nickName,omitempty"`

	// profileUrl is a URL of the person's online profile.
	// +optional
	ProfileURL string `json:"profileUrl,omitempty"`

	// name holds the components of the person's name.
	// +optional
	Name *Name `json:"name,omitempty"`

	// title is the job title, e.g. "Engineer".
	// +optional
	Title string `json:"title,omitempty"`

	// userType describes the relation to the organisation, e.g. "Employee".
	// +optional
	UserType string `json:"userType,omitempty"`

	// preferredLanguage, e.g. "en-US".
	// +optional
	PreferredLanguage string `json:"preferredLanguage,omitempty"`

	// locale for formatting dates and numbers, e.g. "en-US".
	// +optional
	Locale string `json:"locale,omitempty"`

	// timezone in IANA form, e.g. "Europe/Paris".
	// +optional
	Timezone string `json:"timezone,omitempty"`

	// emails are the person's e-mail addresses. The person's domain, which
	// must be verified before they become a member, is taken from the primary
	// address, else the "work" one, else the first one, else the userName
	// when that is an address.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Emails []Email `json:"emails,omitempty"`

	// phoneNumbers are the person's phone numbers.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	PhoneNumbers []PhoneNumber `json:"phoneNumbers,omitempty"`

	// addresses are the person's postal addresses.
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	// +optional
	Addresses []Address `json:"addresses,omitempty"`

	// roles are the application roles granted to the person.
	// +kubebuilder:validation:MaxItems=128
	// +listType=atomic
	// +optional
	Roles []Role `json:"roles,omitempty"`

	// enterprise holds the enterprise extension: employee number, department,
	// manager and the like.
	// +optional
	Enterprise *EnterpriseUser `json:"enterprise,omitempty"`

	// extensions holds the values of the workspace's declared schema
	// extensions (Workspace spec.scim.schemaExtensions): by schema URN, then
	// by attribute name, each a string, boolean, integer or a list of them.
	// The SCIM server checks them against the declaration; values of an
	// extension the workspace no longer declares are kept but not served.
	// +kubebuilder:validation:MaxProperties=8
	// +optional
	Extensions map[string]ExtensionValues `json:"extensions,omitempty"`
}

// ExtensionValues are one schema extension's attribute values, by
// attribute name: a string, boolean, integer or a list of them (at most 32
// values, strings of at most 2048 bytes, as the SCIM server enforces).
// +kubebuilder:validation:MaxProperties=32
type ExtensionValues map[string]apiextensionsv1.JSON

// WorkspaceUserStatus is the observed state of a WorkspaceUser.
type WorkspaceUserStatus struct {
	// observedGeneration is the generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// domain names the domains that must be verified for the workspace
	// before the person becomes a member: the domain of the e-mail the
	// member backend receives and, when the userName is an address in
	// another domain, the userName's domain too, joined by ", "
	// (e.g. "example.com, example.org").
	// +optional
	Domain string `json:"domain,omitempty"`

	// memberKey is the stable key of the person's member in the backend,
	// the one the annotation identity.rollcall.dev/backend-key holds.
	// +optional
	MemberKey string `json:"memberKey,omitempty"`

	// lastSyncTime is when the operator last wrote the member to the backend
	// (created, changed, reactivated or repaired after drift), or first found
	// it as the spec describes. A resync that finds the member as it should
	// be writes nothing, so this is not a heartbeat: the Synced condition
	// says whether the member matches now.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// conditions: DomainVerified (the person's domain is verified for the
	// workspace), Synced (the member matches the backend), Ready (both).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// WorkspaceUser is one person provisioned into a workspace, usually written by
// the SCIM server from an identity provider.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wsu,categories=rollcall
// +kubebuilder:printcolumn:name="Username",type=string,JSONPath=`.spec.userName`
// +kubebuilder:printcolumn:name="Active",type=boolean,JSONPath=`.spec.active`
// +kubebuilder:printcolumn:name="Domain-Verified",type=string,JSONPath=`.status.conditions[?(@.type=="DomainVerified")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.spec.workspaceRef.name`,priority=1
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceUser struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the person, as the identity provider describes them.
	Spec WorkspaceUserSpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status WorkspaceUserStatus `json:"status,omitempty"`
}

// WorkspaceUserList is a list of WorkspaceUsers.
//
// +kubebuilder:object:root=true
type WorkspaceUserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceUser `json:"items"`
}
