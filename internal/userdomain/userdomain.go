package userdomain

import (
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// Email is the person's address: the primary e-mail, else the "work" one,
// else the first, else the userName when it is an address; "" when none.
func Email(u *identityv1alpha1.WorkspaceUser) string { return EmailOfSpec(&u.Spec) }

// EmailOfSpec is Email of a spec not yet stored, such as the SCIM server
// checks before it writes a WorkspaceUser.
func EmailOfSpec(s *identityv1alpha1.WorkspaceUserSpec) string {
	for _, e := range s.Emails {
		if e.Primary && strings.TrimSpace(e.Value) != "" {
			return strings.TrimSpace(e.Value)
		}
	}
	for _, e := range s.Emails {
		if strings.EqualFold(e.Type, "work") && strings.TrimSpace(e.Value) != "" {
			return strings.TrimSpace(e.Value)
		}
	}
	for _, e := range s.Emails {
		if strings.TrimSpace(e.Value) != "" {
			return strings.TrimSpace(e.Value)
		}
	}
	if DomainOfAddress(s.UserName) != "" {
		return strings.TrimSpace(s.UserName)
	}
	return ""
}

// Of is the person's domain: the lower-cased domain of Email; "" when none.
func Of(u *identityv1alpha1.WorkspaceUser) string { return OfSpec(&u.Spec) }

// OfSpec is Of of a spec not yet stored. The SCIM server's unverified-domain
// policy and the WorkspaceUser controller's gate both decide by it.
func OfSpec(s *identityv1alpha1.WorkspaceUserSpec) string { return DomainOfAddress(EmailOfSpec(s)) }

// DomainOfAddress returns the lower-cased part after the last "@" of an
// address (without a trailing dot), or "" when it is not an address.
func DomainOfAddress(address string) string {
	address = strings.TrimSpace(address)
	at := strings.LastIndexByte(address, '@')
	if at <= 0 || at == len(address)-1 {
		return ""
	}
	domain := strings.TrimSuffix(strings.ToLower(address[at+1:]), ".")
	if domain == "" || strings.ContainsAny(domain, " @/\\") {
		return ""
	}
	return domain
}
