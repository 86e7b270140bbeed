package workspaceuser

import (
	"encoding/json"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

// MemberKey is the stable key of a WorkspaceUser's member: the key its
// status records, else its backend-key annotation's (minted by the SCIM
// server, kept by a restore), else "<namespace>:<workspace>:<uid>" for a
// user made before the annotation (backendkey.Member, shared with the group
// controller, which adds members to groups by it).
func MemberKey(user *identityv1alpha1.WorkspaceUser) string {
	return backendkey.Member(user)
}

// memberOf is the member the backend should hold for the user.
func memberOf(user *identityv1alpha1.WorkspaceUser, key string) (backend.Member, error) {
	profile, err := json.Marshal(user.Spec)
	if err != nil {
		return backend.Member{}, err
	}
	m := backend.Member{
		Key:         key,
		UserName:    user.Spec.UserName,
		ExternalID:  user.Spec.ExternalID,
		DisplayName: user.Spec.DisplayName,
		Email:       userdomain.Email(user),
		Active:      user.IsActive(),
		Profile:     profile,
	}
	if len(user.Spec.Extensions) > 0 {
		if m.Extensions, err = json.Marshal(user.Spec.Extensions); err != nil {
			return backend.Member{}, err
		}
	}
	if n := user.Spec.Name; n != nil {
		m.GivenName, m.FamilyName = n.GivenName, n.FamilyName
	}
	return m, nil
}
