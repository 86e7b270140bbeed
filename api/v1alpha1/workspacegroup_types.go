package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WorkspaceGroupSpec is one group, as the SCIM core Group describes it. Its
// members are not here: they live in the group's WorkspaceGroupMembership
// objects, so that a group of any size never makes one object large.
type WorkspaceGroupSpec struct {
	// workspaceRef names the Workspace (same namespace) the group belongs to.
	// It cannot be changed.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="workspaceRef is immutable"
	WorkspaceRef WorkspaceReference `json:"workspaceRef"`

	// displayName is the group's name, unique in the workspace
	// (case-insensitive).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	DisplayName string `json:"displayName"`

	// externalId is the identity provider's own id for the group (Entra's
	// objectId, Okta's group id).
	// +kubebuilder:validation:MaxLength=512
	// +optional
	ExternalID string `json:"externalId,omitempty"`
}

// GroupMemberCounts counts a group's members by where they are.
type GroupMemberCounts struct {
	// total is the number of members the identity provider gave the group.
	// +optional
	Total int32 `json:"total"`
	// synced is the number of them that are members of the group in the
	// backend.
	// +optional
	Synced int32 `json:"synced"`
	// pending is the number of them that wait: their user is not let in yet
	// (domain not verified, inactive, not synced yet) or does not exist.
	// Their memberships are applied when the user is let in.
	// +optional
	Pending int32 `json:"pending"`
}

// WorkspaceGroupStatus is the observed state of a WorkspaceGroup.
type WorkspaceGroupStatus struct {
	// observedGeneration is the generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// groupKey is the stable key of the group in the backend, the one the
	// annotation identity.rollcall.dev/backend-key holds.
	// +optional
	GroupKey string `json:"groupKey,omitempty"`

	// members counts the group's members: in total, in the backend, waiting.
	// +optional
	Members GroupMemberCounts `json:"members,omitempty"`

	// lastSyncTime is when the operator last wrote the group or its
	// memberships to the backend. A resync that finds them as they should
	// be writes nothing.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`

	// conditions: Synced (the group and the memberships of every let-in
	// member match the backend), Ready (Synced, and no member waits).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// WorkspaceGroup is one group provisioned into a workspace, usually written
// by the SCIM server from an identity provider. Its members are listed in
// WorkspaceGroupMembership objects (`kubectl get wsgm -l
// identity.rollcall.dev/group=NAME`); `kubectl rollcall group members NAME`
// shows them with their state.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=wsg,categories=rollcall
// +kubebuilder:printcolumn:name="Display-Name",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Members",type=integer,JSONPath=`.status.members.total`
// +kubebuilder:printcolumn:name="Pending",type=integer,JSONPath=`.status.members.pending`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,priority=1
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.spec.workspaceRef.name`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceGroup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the group, as the identity provider describes it.
	Spec WorkspaceGroupSpec `json:"spec"`

	// status is what the operator observed.
	// +optional
	Status WorkspaceGroupStatus `json:"status,omitempty"`
}

// WorkspaceGroupList is a list of WorkspaceGroups.
//
// +kubebuilder:object:root=true
type WorkspaceGroupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceGroup `json:"items"`
}

// GroupReference names a WorkspaceGroup in the same namespace.
type GroupReference struct {
	// name of the WorkspaceGroup, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// MaxMembersPerMembership bounds spec.members of one WorkspaceGroupMembership:
// 5,000 SCIM ids of 36 characters are about 195 KiB, under the 256 KiB the
// operator allows any object it writes.
const MaxMembersPerMembership = 5000

// WorkspaceGroupMembershipSpec is one shard of a group's member list: the
// members whose hashed SCIM id starts with hashPrefix.
type WorkspaceGroupMembershipSpec struct {
	// groupRef names the WorkspaceGroup (same namespace) whose members these
	// are. It cannot be changed.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="groupRef is immutable"
	GroupRef GroupReference `json:"groupRef"`

	// hashPrefix is the hexadecimal prefix of the SHA-256 of a member's SCIM
	// id that places the member in this shard; "" holds every member of a
	// group that has one shard. It cannot be changed.
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{0,16}$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="hashPrefix is immutable"
	// +optional
	HashPrefix string `json:"hashPrefix"`

	// members are the SCIM ids (the WorkspaceUser UIDs) of the group's
	// members in this shard, sorted.
	// +kubebuilder:validation:MaxItems=5000
	// +kubebuilder:validation:items:MaxLength=64
	// +listType=atomic
	// +optional
	Members []string `json:"members,omitempty"`
}

// WorkspaceGroupMembership holds part of a WorkspaceGroup's members. The
// SCIM server writes them; a group has one until it outgrows
// MaxMembersPerMembership, then sixteen (one per next hex digit of the
// hash), and so on. It is owned by its group and goes with it.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=wsgm,categories=rollcall
// +kubebuilder:printcolumn:name="Group",type=string,JSONPath=`.spec.groupRef.name`
// +kubebuilder:printcolumn:name="Hash-Prefix",type=string,JSONPath=`.spec.hashPrefix`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceGroupMembership struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec lists the members.
	Spec WorkspaceGroupMembershipSpec `json:"spec"`
}

// WorkspaceGroupMembershipList is a list of WorkspaceGroupMemberships.
//
// +kubebuilder:object:root=true
type WorkspaceGroupMembershipList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceGroupMembership `json:"items"`
}
