package v1alpha1

// Condition types. Each is written by exactly one party: the approvers own
// Verified; the controllers own every other type.
const (
	// ConditionReady summarises an object: True when it does its job.
	ConditionReady = "Ready"

	// ConditionSCIMReady (Workspace): the token Secret exists and the Tenant URL is published.
	ConditionSCIMReady = "SCIMReady"
	// ConditionBackendReady (Workspace): the member backend is configured and reachable.
	ConditionBackendReady = "BackendReady"

	// ConditionDomainVerified (WorkspaceUser): the person's e-mail domain is verified for the workspace.
	ConditionDomainVerified = "DomainVerified"
	// ConditionSynced (WorkspaceUser): the member in the backend matches the
	// spec; (WorkspaceGroup) the group and the memberships of its let-in
	// members match the backend.
	ConditionSynced = "Synced"

	// ConditionVerified (WorkspaceDomain): an approver verified the domain.
	ConditionVerified = "Verified"
)

// Condition reasons shared across controllers.
const (
	// ReasonReconciled: the controller did what the spec asks.
	ReasonReconciled = "Reconciled"
	// ReasonSCIMDisabled: spec.scim.enabled is false.
	ReasonSCIMDisabled = "SCIMDisabled"
	// ReasonTokenSecretCreated: the operator generated the SCIM token Secret.
	ReasonTokenSecretCreated = "TokenSecretCreated"
	// ReasonTokenSecretInvalid: the token Secret exists but has no usable "token" key.
	ReasonTokenSecretInvalid = "TokenSecretInvalid"
	// ReasonTokenDigestsNotPublished: the digest record the SCIM server
	// authenticates by could not be written to the operator's namespace.
	ReasonTokenDigestsNotPublished = "TokenDigestsNotPublished"
	// ReasonNoPublicURL: the operator was started without a public base URL.
	ReasonNoPublicURL = "NoPublicURL"

	// ReasonBackendUnavailable: the backend could not be reached.
	ReasonBackendUnavailable = "BackendUnavailable"
	// ReasonBackendBusy (WorkspaceUser Synced): as many of the controller's
	// workers as one workspace may use are already inside its backend, so
	// the user waits its turn (retried after a short delay).
	ReasonBackendBusy = "BackendBusy"
	// ReasonInvalidCredentials: the backend refused the credentials.
	ReasonInvalidCredentials = "InvalidCredentials"
	// ReasonInvalidBackendConfig: the backend configuration cannot work (a
	// malformed DSN or URL, a missing key in its Secret, a missing database).
	ReasonInvalidBackendConfig = "InvalidBackendConfig"
	// ReasonMemberRejected: the backend refused the member's values.
	ReasonMemberRejected = "MemberRejected"
	// ReasonGroupRejected (WorkspaceGroup Synced): the backend refused the
	// group's values or one of its membership calls.
	ReasonGroupRejected = "GroupRejected"
	// ReasonMembersPending (WorkspaceGroup Ready): the group is synced, and
	// some of its members wait: their user is not let in yet or does not
	// exist.
	ReasonMembersPending = "MembersPending"
	// ReasonSecretNotFound: a Secret the spec names does not exist.
	ReasonSecretNotFound = "SecretNotFound"
	// ReasonWorkspaceNotFound: the referenced Workspace does not exist.
	ReasonWorkspaceNotFound = "WorkspaceNotFound"
	// ReasonDeletingUsers (Workspace Ready): the workspace is being deleted
	// and waits for its users and groups to be deprovisioned by its policy.
	ReasonDeletingUsers = "DeletingUsers"
	// ReasonDomainNotVerified: the person's domain is not verified; the user is held.
	ReasonDomainNotVerified = "DomainNotVerified"
	// ReasonDomainVerified: the person's domain is verified.
	ReasonDomainVerified = "DomainVerified"
	// ReasonNoDomain: the person has no e-mail address to take a domain from.
	ReasonNoDomain = "NoDomain"

	// ReasonApproved: an approver verified the domain.
	ReasonApproved = "Approved"
	// ReasonDenied: an approver refused the domain.
	ReasonDenied = "Denied"
	// ReasonRevoked: an approver withdrew an earlier verification.
	ReasonRevoked = "Revoked"
	// ReasonDNSRecordFound: the DNS challenge record was found.
	ReasonDNSRecordFound = "DNSRecordFound"
	// ReasonDNSRecordMissing: the DNS challenge record was not (or no longer) found.
	ReasonDNSRecordMissing = "DNSRecordMissing"
	// ReasonDNSLookupFailed: the DNS server did not answer the question for
	// the challenge record; nothing is concluded from that and the check is
	// retried.
	ReasonDNSLookupFailed = "DNSLookupFailed"
	// ReasonPreapproved: the domain was declared verified by someone holding the approve right.
	ReasonPreapproved = "Preapproved"
	// ReasonPendingApproval: the domain waits for an approver.
	ReasonPendingApproval = "PendingApproval"
	// ReasonVerificationRefused: the API server refused the domain
	// controller's write of the Verified condition (its RBAC or the admission
	// policy); the message says why.
	ReasonVerificationRefused = "VerificationRefused"
	// ReasonUnknownAttributeIgnored (a Warning event on a Workspace): the SCIM
	// server dropped an attribute no schema of the workspace declares.
	ReasonUnknownAttributeIgnored = "UnknownAttributeIgnored"
)

// Well-known annotations, labels and keys.
const (
	// AnnotationResync, set to any new value on a WorkspaceUser, forces an
	// immediate comparison with the backend.
	AnnotationResync = "identity.rollcall.dev/resync"

	// AnnotationIgnoredAttributes, written by the SCIM server on a
	// WorkspaceUser, lists (comma-separated, sorted) the unknown attributes
	// it dropped from the user's requests under unknownAttributes Ignore; a
	// POST or PUT replaces the list, a PATCH adds to it. The Workspace's
	// status.ignoredAttributes gathers them.
	AnnotationIgnoredAttributes = "identity.rollcall.dev/ignored-attributes"

	// AnnotationBackendKey, on a WorkspaceUser or a WorkspaceGroup, is the
	// key of its member or group in the workspace's member backend:
	// "<namespace>:<workspace>:<id>". The SCIM server mints it (id a random
	// UUID) in the create; the controllers add it, with the key already in
	// use, to objects made before it. They use it when the status records no
	// key, so an object restored from an export (with a new UID) keeps its
	// member instead of making a second one. It never changes: the admission
	// policy rollcall-backend-key refuses an edit or a removal
	// (docs/design/0800-identity-across-restores.md).
	AnnotationBackendKey = "identity.rollcall.dev/backend-key"

	// AnnotationBackupID, on a WorkspaceUser or a WorkspaceGroup in a file
	// of "kubectl rollcall backup", is the object's SCIM id (its UID) when
	// it was backed up. "kubectl rollcall restore" translates the member
	// ids of group memberships from these to the restored objects' new UIDs.
	AnnotationBackupID = "identity.rollcall.dev/backup-id"

	// MemberFinalizer keeps a WorkspaceUser until its member is deprovisioned
	// in the backend according to the workspace's deprovisioning policy.
	MemberFinalizer = "identity.rollcall.dev/member"

	// UsersFinalizer keeps a Workspace, and so its backend configuration
	// and deprovisioning policy, until all its WorkspaceUsers and
	// WorkspaceGroups are gone: deleting a Workspace deletes its users and
	// groups, and each is deprovisioned by the policy before the Workspace
	// goes.
	UsersFinalizer = "identity.rollcall.dev/users"

	// GroupFinalizer keeps a WorkspaceGroup until its group and memberships
	// are deprovisioned in the backend according to the workspace's
	// deprovisioning policy.
	GroupFinalizer = "identity.rollcall.dev/group"

	// LabelGroup names the WorkspaceGroup a WorkspaceGroupMembership belongs to.
	LabelGroup = "identity.rollcall.dev/group"

	// TokenSecretKey is the key of the SCIM token in its Secret.
	TokenSecretKey = "token"

	// PreviousTokenSecretKey holds the token a rotation replaced; it stays
	// valid until the time in AnnotationPreviousTokenExpires.
	PreviousTokenSecretKey = "previousToken"

	// AnnotationPreviousTokenExpires, on a token Secret, is when the previous
	// token stops being accepted (RFC 3339).
	AnnotationPreviousTokenExpires = "identity.rollcall.dev/previous-token-expires"

	// LabelWorkspace names the Workspace an object belongs to: a generated
	// token Secret, a WorkspaceUser, a WorkspaceGroup and its memberships,
	// a userName or displayName claim.
	LabelWorkspace = "identity.rollcall.dev/workspace"

	// LabelManagedBy, with the value ManagedBy, marks objects the operator created.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedBy is the LabelManagedBy value of objects the operator created.
	ManagedBy = "rollcall"

	// HTTPBackendTokenSecretKey is the key, in the HTTP backend's credentials
	// Secret, of the bearer token sent to the member API.
	HTTPBackendTokenSecretKey = "token"
	// HTTPBackendSigningKeySecretKey is the key, in the HTTP backend's
	// credentials Secret, of the HMAC-SHA256 key that signs each request.
	HTTPBackendSigningKeySecretKey = "signingKey"
)
