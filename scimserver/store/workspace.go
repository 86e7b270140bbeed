package store

import identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"

// Workspace names one workspace: its namespace and name. Every read and
// write of the store is confined to one.
type Workspace struct {
	Namespace, Name string
}

// String is "<namespace>/<name>".
func (w Workspace) String() string { return w.Namespace + "/" + w.Name }

// key is the index key of value in the workspace.
func (w Workspace) key(value string) string { return w.String() + "/" + value }

// workspaceOf is the workspace u belongs to.
func workspaceOf(u *identityv1alpha1.WorkspaceUser) Workspace {
	return Workspace{Namespace: u.Namespace, Name: u.Spec.WorkspaceRef.Name}
}
