// Package backendkey builds the stable keys under which the controllers
// store a workspace's members and groups in its member backend. A key is
// "<namespace>:<workspace>:<id>". The SCIM server mints id (a random UUID,
// Mint) when it creates a user or group and stores the key in the object's
// identity.rollcall.dev/backend-key annotation, which a backup of the
// object keeps; an object made before that annotation existed uses its
// metadata.uid. A key never changes for the object's life, so a renamed
// person or group keeps its record, and a crash between a backend call and
// the status write that records the key never makes a second one. Every
// part is URL-path safe (DNS labels, DNS subdomains, a UUID).
package backendkey

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// For is the key with id in the workspace namespace/workspace.
func For(namespace, workspace string, id types.UID) string {
	return Prefix(namespace, workspace) + string(id)
}

// Prefix is what every key of the workspace namespace/workspace starts
// with: "<namespace>:<workspace>:".
func Prefix(namespace, workspace string) string {
	return namespace + ":" + workspace + ":"
}

// Mint is a new key in the workspace namespace/workspace, for an object
// about to be created: its id is a random UUID, not the UID the API server
// will give the object, so the key can be written in the create itself.
func Mint(namespace, workspace string) string {
	return For(namespace, workspace, uuid.NewUUID())
}

// Annotated is the key obj's AnnotationBackendKey holds, or "".
func Annotated(obj metav1.Object) string {
	return obj.GetAnnotations()[identityv1alpha1.AnnotationBackendKey]
}

// Member is the key of a WorkspaceUser's member: the one its status
// records, else its annotation's, else the one derived from its UID (a
// user made before the annotation).
func Member(user *identityv1alpha1.WorkspaceUser) string {
	return pick(user.Status.MemberKey, user, user.Spec.WorkspaceRef.Name)
}

// Group is the key of a WorkspaceGroup's group: the one its status
// records, else its annotation's, else the one derived from its UID.
func Group(group *identityv1alpha1.WorkspaceGroup) string {
	return pick(group.Status.GroupKey, group, group.Spec.WorkspaceRef.Name)
}

func pick(recorded string, obj metav1.Object, workspace string) string {
	if recorded != "" {
		return recorded
	}
	if k := Annotated(obj); k != "" {
		return k
	}
	return For(obj.GetNamespace(), workspace, obj.GetUID())
}

// ID is the part of key after the workspace's prefix, and whether key has
// that prefix.
func ID(key, namespace, workspace string) (string, bool) {
	rest, ok := strings.CutPrefix(key, namespace+":")
	if ok {
		if id, ok := strings.CutPrefix(rest, workspace+":"); ok {
			return id, true
		}
	}
	return "", false
}
