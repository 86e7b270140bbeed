package userdomain

import (
	"slices"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// Email is the person's address: the primary e-mail, else the "work" one,
// else the first, else the userName when it is an address; "" when none.
// It is the address the member backend receives.
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

// All are the domains that must all be verified for the workspace before
// the person becomes a member, lower-cased, sorted, without repeats:
//
//   - the domain of Email, the address the member backend receives, and
//   - the domain of the userName when the userName is an address: it is
//     the person's sign-in name in the workspace, so a verified e-mail
//     domain must not carry in a userName of another domain.
//
// A userName that is not an address (jdoe, an Entra GUID) adds nothing.
// All is empty when Email has no domain (no e-mail address at all, or one
// that is not an address): such a user is held, whatever its userName.
func All(u *identityv1alpha1.WorkspaceUser) []string { return AllOfSpec(&u.Spec) }

// AllOfSpec is All of a spec not yet stored. The SCIM server's
// unverified-domain policy and the WorkspaceUser controller's gate both
// decide by it, so the two never disagree.
func AllOfSpec(s *identityv1alpha1.WorkspaceUserSpec) []string {
	email := DomainOfAddress(EmailOfSpec(s))
	if email == "" {
		return nil
	}
	domains := []string{email}
	if login := DomainOfAddress(s.UserName); login != "" && login != email {
		domains = append(domains, login)
		slices.Sort(domains)
	}
	return domains
}

// Of is All as one string, the form status.domain records: the domains
// joined by ", " (a domain never holds a space, so the form is not
// ambiguous); "" when there is none. Two specs gated by the same domains,
// and only those, have the same Of.
func Of(u *identityv1alpha1.WorkspaceUser) string { return OfSpec(&u.Spec) }

// OfSpec is Of of a spec not yet stored.
func OfSpec(s *identityv1alpha1.WorkspaceUserSpec) string { return strings.Join(AllOfSpec(s), ", ") }

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
