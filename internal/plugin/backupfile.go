package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// The backup file is a v1 List in YAML, like "kubectl get -o yaml" writes:
// people read and diff it, and kubectl reads it too.
const (
	kindWorkspaceGroupMembership = "WorkspaceGroupMembership"
	lastAppliedAnnotation        = "kubectl.kubernetes.io/last-applied-configuration"
)

// writeBackupFile writes b as a YAML List, the objects stripped of what the
// cluster sets: Workspaces first, then users, groups and memberships, the
// order restore creates them in.
func writeBackupFile(out io.Writer, b *backup, now time.Time) error {
	var items []map[string]any
	add := func(obj client.Object, kind string) error {
		item, err := exported(obj, kind)
		if err != nil {
			return err
		}
		items = append(items, item)
		return nil
	}
	for i := range b.workspaces {
		if err := add(&b.workspaces[i], kindWorkspace); err != nil {
			return err
		}
	}
	for i := range b.users {
		if err := add(&b.users[i], kindUser); err != nil {
			return err
		}
	}
	for i := range b.groups {
		if err := add(&b.groups[i], kindGroup); err != nil {
			return err
		}
	}
	for i := range b.memberships {
		if err := add(&b.memberships[i], kindWorkspaceGroupMembership); err != nil {
			return err
		}
	}
	if items == nil {
		items = []map[string]any{}
	}
	data, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{}, "items": items})
	if err != nil {
		return err
	}
	header := fmt.Sprintf("# kubectl rollcall backup of namespace %s, %s: %s.\n"+
		"# Restore with: kubectl rollcall restore -f FILE. Secrets are not in it.\n",
		b.namespace, now.UTC().Format(time.RFC3339), b.summary())
	if _, err := io.WriteString(out, header); err != nil {
		return err
	}
	_, err = out.Write(data)
	return err
}

// exported is obj as the backup holds it: with its kind, without the
// fields the cluster sets (and a restore could not write or would get
// wrong): uid, resourceVersion, generation, timestamps, managedFields,
// ownerReferences, finalizers and status.
func exported(obj client.Object, kind string) (map[string]any, error) {
	obj = obj.DeepCopyObject().(client.Object)
	obj.GetObjectKind().SetGroupVersionKind(identityv1alpha1.GroupVersion.WithKind(kind))
	obj.SetUID("")
	obj.SetResourceVersion("")
	obj.SetGeneration(0)
	obj.SetCreationTimestamp(metav1.Time{})
	obj.SetManagedFields(nil)
	obj.SetOwnerReferences(nil)
	obj.SetFinalizers(nil)
	obj.SetSelfLink("")
	if a := obj.GetAnnotations(); a != nil {
		delete(a, lastAppliedAnnotation)
		obj.SetAnnotations(a)
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("export %s %s: %w", kind, obj.GetName(), err)
	}
	delete(u, "status")
	if m, ok := u["metadata"].(map[string]any); ok {
		delete(m, "creationTimestamp") // a zero time is written as null
	}
	return u, nil
}

// readBackupFile parses a backup file: every item must be one of the four
// kinds of identity.rollcall.dev/v1alpha1 it holds, in one namespace.
func readBackupFile(data []byte) (*backup, error) {
	jsonData, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("read the backup: %w", err)
	}
	var list struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(jsonData, &list); err != nil {
		return nil, fmt.Errorf("read the backup: %w", err)
	}
	if list.Kind != "List" {
		return nil, fmt.Errorf("read the backup: kind %q, want a List as kubectl rollcall backup writes", list.Kind)
	}
	b := &backup{}
	for i, raw := range list.Items {
		var tm metav1.TypeMeta
		if err := json.Unmarshal(raw, &tm); err != nil {
			return nil, fmt.Errorf("read item %d of the backup: %w", i, err)
		}
		if tm.APIVersion != identityv1alpha1.GroupVersion.String() {
			return nil, fmt.Errorf("item %d of the backup is a %s %s: a backup holds only %s objects",
				i, tm.APIVersion, tm.Kind, identityv1alpha1.GroupVersion)
		}
		var obj client.Object
		switch tm.Kind {
		case kindWorkspace:
			b.workspaces = append(b.workspaces, identityv1alpha1.Workspace{})
			obj = &b.workspaces[len(b.workspaces)-1]
		case kindUser:
			b.users = append(b.users, identityv1alpha1.WorkspaceUser{})
			obj = &b.users[len(b.users)-1]
		case kindGroup:
			b.groups = append(b.groups, identityv1alpha1.WorkspaceGroup{})
			obj = &b.groups[len(b.groups)-1]
		case kindWorkspaceGroupMembership:
			b.memberships = append(b.memberships, identityv1alpha1.WorkspaceGroupMembership{})
			obj = &b.memberships[len(b.memberships)-1]
		default:
			return nil, fmt.Errorf("item %d of the backup is a %s: a backup holds only Workspaces, WorkspaceUsers, WorkspaceGroups and WorkspaceGroupMemberships", i, tm.Kind)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(obj); err != nil {
			return nil, fmt.Errorf("read item %d of the backup (%s): %w", i, tm.Kind, err)
		}
		if obj.GetName() == "" {
			return nil, fmt.Errorf("item %d of the backup (%s) has no name", i, tm.Kind)
		}
		switch ns := obj.GetNamespace(); {
		case ns == "":
			return nil, fmt.Errorf("item %d of the backup (%s %s) has no namespace", i, tm.Kind, obj.GetName())
		case b.namespace == "":
			b.namespace = ns
		case ns != b.namespace:
			return nil, fmt.Errorf("the backup holds objects of namespaces %s and %s: a backup is of one namespace", b.namespace, ns)
		}
	}
	return b, nil
}

// ownedByUID reports whether refs name the owner uid.
func ownedByUID(refs []metav1.OwnerReference, uid string) bool {
	for _, ref := range refs {
		if ref.UID == types.UID(uid) {
			return true
		}
	}
	return false
}
