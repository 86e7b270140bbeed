// Package backendkey builds the stable keys under which the controllers
// store a workspace's members and groups in its member backend. A key is
// "<namespace>:<workspace>:<uid>": the object's UID never changes for its
// life, so a renamed person or group keeps its record, and a crash between
// a backend call and the status write that records the key never makes a
// second one. Every part is URL-path safe (DNS labels, DNS subdomains, a
// UUID).
package backendkey

import (
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// For is the key of the object with uid in the workspace namespace/workspace.
func For(namespace, workspace string, uid types.UID) string {
	return namespace + ":" + workspace + ":" + string(uid)
}

// Member is the key of a WorkspaceUser's member, derived from the user.
func Member(user *identityv1alpha1.WorkspaceUser) string {
	return For(user.Namespace, user.Spec.WorkspaceRef.Name, user.UID)
}

// RecordedMember is the key of a WorkspaceUser's member as its status
// records it, else as Member derives it.
func RecordedMember(user *identityv1alpha1.WorkspaceUser) string {
	if user.Status.MemberKey != "" {
		return user.Status.MemberKey
	}
	return Member(user)
}

// Group is the key of a WorkspaceGroup's group.
func Group(group *identityv1alpha1.WorkspaceGroup) string {
	return For(group.Namespace, group.Spec.WorkspaceRef.Name, group.UID)
}
