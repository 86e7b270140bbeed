package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// VerificationMethod says how a domain gets verified.
// +kubebuilder:validation:Enum=Manual;DNS;Preapproved
type VerificationMethod string

const (
	// VerificationManual waits for a person with the approve right
	// (kubectl rollcall domain approve).
	VerificationManual VerificationMethod = "Manual"
	// VerificationDNS waits for a TXT record the domain owner publishes.
	VerificationDNS VerificationMethod = "DNS"
	// VerificationPreapproved is a declaration that is itself an approval: only
	// someone with the approve right for the domain may create or change it.
	VerificationPreapproved VerificationMethod = "Preapproved"
)

// NamespacedWorkspaceReference names a Workspace in any namespace.
type NamespacedWorkspaceReference struct {
	// namespace of the Workspace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`

	// name of the Workspace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// DomainVerification configures how the domain is verified.
type DomainVerification struct {
	// method is how the domain is verified: Manual (an approver runs
	// kubectl rollcall domain approve), DNS (a TXT record named in
	// status.dnsChallenge), or Preapproved (this object, written by someone
	// holding the approve right, is the approval; for GitOps). Default Manual.
	// +kubebuilder:default=Manual
	// +optional
	Method VerificationMethod `json:"method,omitempty"`
}

// WorkspaceDomainSpec is the desired state of a WorkspaceDomain.
type WorkspaceDomainSpec struct {
	// workspaceRef names the Workspace that claims the domain. It cannot be
	// changed: delete the claim and create a new one.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="workspaceRef is immutable"
	WorkspaceRef NamespacedWorkspaceReference `json:"workspaceRef"`

	// verification configures how the domain is verified.
	// +kubebuilder:default={method: Manual}
	// +optional
	Verification DomainVerification `json:"verification,omitempty"`
}

// DNSChallenge is the TXT record that proves control of the domain.
type DNSChallenge struct {
	// recordName is the DNS name of the TXT record to publish.
	RecordName string `json:"recordName"`
	// value is the text the TXT record must hold.
	Value string `json:"value"`
	// missingSince is when the record was first found missing after it had
	// verified the domain. The verification is revoked once the record stays
	// missing for the controller's grace period; a record that comes back
	// before then clears this field.
	// +optional
	MissingSince *metav1.Time `json:"missingSince,omitempty"`
}

// WorkspaceDomainStatus is the observed state of a WorkspaceDomain.
type WorkspaceDomainStatus struct {
	// observedGeneration is the generation last reconciled.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// dnsChallenge is the TXT record to publish when the method is DNS.
	// +optional
	DNSChallenge *DNSChallenge `json:"dnsChallenge,omitempty"`

	// approvedBy is the user name of the approver that verified the domain,
	// written by that approver together with the Verified condition (the
	// admission policy rejects any other name). A later deny or revoke made
	// with kubectl rollcall (by any approver), or the operator's own
	// revocation of a DNS domain, removes it.
	// +optional
	ApprovedBy string `json:"approvedBy,omitempty"`

	// approvedAt is when the domain was verified, written with approvedBy.
	// +optional
	ApprovedAt *metav1.Time `json:"approvedAt,omitempty"`

	// conditions: Verified (set only by an approver) and Ready (set by the
	// domain controller).
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// WorkspaceDomain is one e-mail domain claimed by one workspace. The object's
// name is the domain, so a domain can be claimed by one workspace only. Users
// of the domain become members only once the domain is Verified.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=wsd,categories=rollcall
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 253 && self.metadata.name.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\\\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$')",message="metadata.name must be a lower-case DNS domain name such as example.com"
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.spec.workspaceRef.name`
// +kubebuilder:printcolumn:name="Namespace",type=string,JSONPath=`.spec.workspaceRef.namespace`,priority=1
// +kubebuilder:printcolumn:name="Method",type=string,JSONPath=`.spec.verification.method`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.status.conditions[?(@.type=="Verified")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Verified")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceDomain struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec names the claiming workspace and the verification method.
	Spec WorkspaceDomainSpec `json:"spec"`

	// status holds the verification state.
	// +optional
	Status WorkspaceDomainStatus `json:"status,omitempty"`
}

// WorkspaceDomainList is a list of WorkspaceDomains.
//
// +kubebuilder:object:root=true
type WorkspaceDomainList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceDomain `json:"items"`
}
