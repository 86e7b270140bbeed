package scimserver

import (
	"strings"

	toolscache "k8s.io/client-go/tools/cache"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// Indexes of the WorkspaceUser informer. Every key starts with the
// workspace ("<namespace>/<workspace>/"), so no lookup crosses workspaces.
const (
	indexWorkspace  = "scim.workspace"
	indexID         = "scim.id"
	indexUserName   = "scim.userName"
	indexExternalID = "scim.externalId"
	indexEmail      = "scim.emails.value"
)

// workspaceKey names one workspace: its namespace and name.
type workspaceKey struct {
	Namespace, Name string
}

func (w workspaceKey) String() string { return w.Namespace + "/" + w.Name }

func (w workspaceKey) key(value string) string { return w.String() + "/" + value }

func workspaceOf(u *identityv1alpha1.WorkspaceUser) workspaceKey {
	return workspaceKey{Namespace: u.Namespace, Name: u.Spec.WorkspaceRef.Name}
}

// userIndexers are the informer indexes the SCIM server looks users up by.
// userName and e-mails are case-insensitive, externalId and id case-exact.
func userIndexers() toolscache.Indexers {
	return toolscache.Indexers{
		indexWorkspace:  byUser(func(u *identityv1alpha1.WorkspaceUser) []string { return []string{""} }),
		indexID:         byUser(func(u *identityv1alpha1.WorkspaceUser) []string { return []string{string(u.UID)} }),
		indexUserName:   byUser(func(u *identityv1alpha1.WorkspaceUser) []string { return []string{strings.ToLower(u.Spec.UserName)} }),
		indexExternalID: byUser(externalIDValues),
		indexEmail:      byUser(emailValues),
	}
}

func externalIDValues(u *identityv1alpha1.WorkspaceUser) []string {
	if u.Spec.ExternalID == "" {
		return nil
	}
	return []string{u.Spec.ExternalID}
}

func emailValues(u *identityv1alpha1.WorkspaceUser) []string {
	out := make([]string, 0, len(u.Spec.Emails))
	for _, e := range u.Spec.Emails {
		out = append(out, strings.ToLower(e.Value))
	}
	return out
}

// byUser turns a function of a user into an index function whose keys are
// prefixed with the user's workspace.
func byUser(values func(*identityv1alpha1.WorkspaceUser) []string) toolscache.IndexFunc {
	return func(obj any) ([]string, error) {
		u, ok := obj.(*identityv1alpha1.WorkspaceUser)
		if !ok {
			return nil, nil
		}
		ws := workspaceOf(u)
		vals := values(u)
		keys := make([]string, len(vals))
		for i, v := range vals {
			keys[i] = ws.key(v)
		}
		return keys, nil
	}
}

// indexKeyOf normalises a looked-up value the way the index stores it.
func indexKeyOf(index, value string) string {
	switch index {
	case indexUserName, indexEmail:
		return strings.ToLower(value)
	}
	return value
}

// indexOfAttribute names the index of an attribute filter.IndexableEquality reports.
func indexOfAttribute(attr string) (string, bool) {
	switch attr {
	case "id":
		return indexID, true
	case "userName":
		return indexUserName, true
	case "externalId":
		return indexExternalID, true
	case "emails.value":
		return indexEmail, true
	}
	return "", false
}

// hasIndexKey reports whether u is found under key in the index.
func hasIndexKey(u *identityv1alpha1.WorkspaceUser, index, key string) bool {
	keys, _ := indexers[index](u)
	for _, k := range keys {
		if k == key {
			return true
		}
	}
	return false
}

// indexers is userIndexers, built once for lookups in the recent-writes overlay.
var indexers = userIndexers()
