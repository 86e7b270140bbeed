package store

import (
	"fmt"
	"strings"

	toolscache "k8s.io/client-go/tools/cache"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/filter"
	"github.com/rollcall-dev/rollcall/scimserver/username"
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

// indexOfAttribute maps the attributes filter.IndexableEquality reports to
// the index that answers them.
var indexOfAttribute = map[string]string{
	filter.IndexID:         indexID,
	filter.IndexUserName:   indexUserName,
	filter.IndexExternalID: indexExternalID,
	filter.IndexEmail:      indexEmail,
}

// foldsCase tells the indexes whose attribute is case-insensitive in the
// User schema (not caseExact): userName and emails.value. Their keys are
// normalised on both the stored and the looked-up side (indexKeyOf).
var foldsCase = func() map[string]bool {
	out := make(map[string]bool, len(indexOfAttribute))
	for attr, index := range indexOfAttribute {
		p, err := filter.ParseAttrPath(attr)
		if err != nil {
			panic(fmt.Sprintf("indexed attribute %q is not in the User schema: %v", attr, err))
		}
		out[index] = !p.Leaf().CaseExact
	}
	return out
}()

// userIndexers are the informer indexes the store looks users up by.
func userIndexers() toolscache.Indexers {
	return toolscache.Indexers{
		indexWorkspace: byUser(func(u *identityv1alpha1.WorkspaceUser) []string { return []string{""} }),
		indexID:        byUser(func(u *identityv1alpha1.WorkspaceUser) []string { return []string{indexKeyOf(indexID, string(u.UID))} }),
		indexUserName: byUser(func(u *identityv1alpha1.WorkspaceUser) []string {
			return []string{indexKeyOf(indexUserName, u.Spec.UserName)}
		}),
		indexExternalID: byUser(externalIDValues),
		indexEmail:      byUser(emailValues),
	}
}

func externalIDValues(u *identityv1alpha1.WorkspaceUser) []string {
	if u.Spec.ExternalID == "" {
		return nil
	}
	return []string{indexKeyOf(indexExternalID, u.Spec.ExternalID)}
}

func emailValues(u *identityv1alpha1.WorkspaceUser) []string {
	out := make([]string, 0, len(u.Spec.Emails))
	for _, e := range u.Spec.Emails {
		out = append(out, indexKeyOf(indexEmail, e.Value))
	}
	return out
}

// byUser turns a function of a user into an index function whose keys are
// prefixed with the user's workspace. A user being deleted (its member
// finalizer still pending) is in no index: for SCIM it is gone, on every
// replica, and its userName is free again.
func byUser(values func(*identityv1alpha1.WorkspaceUser) []string) toolscache.IndexFunc {
	return func(obj any) ([]string, error) {
		u, ok := obj.(*identityv1alpha1.WorkspaceUser)
		if !ok || !u.DeletionTimestamp.IsZero() {
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

// indexKeyOf normalises a value the way the index stores it: userName by
// its uniqueness key (username.Key), the other case-insensitive attributes
// lower-cased.
func indexKeyOf(index, value string) string {
	if index == indexUserName {
		return username.Key(value)
	}
	if foldsCase[index] {
		return strings.ToLower(value)
	}
	return value
}

// userNameKey is userName as the userName index and the userName claims
// compare it: two userNames are the same user when their keys are equal.
func userNameKey(userName string) string { return indexKeyOf(indexUserName, userName) }

// legacyUserNameKey is the key claims were named by before username.Key:
// the lower-cased userName.
func legacyUserNameKey(userName string) string { return strings.ToLower(userName) }

// SameUserName reports whether two userNames name the same user of a
// workspace, as the index and the claims compare them (username.Key:
// case-insensitive, width- and NFC-normalised).
func SameUserName(a, b string) bool { return userNameKey(a) == userNameKey(b) }

// Indexed reports whether Lookup answers attr, one of the attribute names
// filter.IndexableEquality returns, from an index.
func Indexed(attr string) bool {
	_, ok := indexOfAttribute[attr]
	return ok
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
