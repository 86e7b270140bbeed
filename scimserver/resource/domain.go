package resource

import (
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// Domain is the e-mail domain that decides whether a user is let in: the
// domain of the primary e-mail, else of the "work" e-mail, else of the first
// e-mail, else of userName when it is an address. It is lower-case, and empty
// when the user has no address at all.
func Domain(s *identityv1alpha1.WorkspaceUserSpec) string {
	pick := -1
	for i, e := range s.Emails {
		if e.Primary {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i, e := range s.Emails {
			if strings.EqualFold(e.Type, "work") {
				pick = i
				break
			}
		}
	}
	if pick < 0 && len(s.Emails) > 0 {
		pick = 0
	}
	if pick >= 0 {
		if d := domainOf(s.Emails[pick].Value); d != "" {
			return d
		}
	}
	return domainOf(s.UserName)
}

func domainOf(address string) string {
	at := strings.LastIndexByte(address, '@')
	if at <= 0 || at == len(address)-1 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(address[at+1:]), "."))
}
