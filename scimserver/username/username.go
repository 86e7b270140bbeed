// Package username says when two SCIM userNames name the same user of a
// workspace, and which userNames the server stores.
//
// userName is unique per workspace, compared in the form of the PRECIS
// UsernameCaseMapped profile (RFC 8265 §3.3): width-mapped (full-width
// "ａdmin" is "admin"), lower-cased, NFC-normalised (precomposed "zoë" and
// "zoe" + combining diaeresis are one name). Two relaxations keep what
// identity providers really send:
//
//   - Spaces separate userparts (RFC 8265 §3.1): each part is enforced on
//     its own and the key joins them with one space, so "Ada Lovelace" is
//     accepted and equals " ada  lovelace ".
//   - The Bidi Rule is not applied: an address with a right-to-left local
//     part and a Latin domain ("יוסי@example.com") fails it, yet is a real
//     e-mail address. The code points the profile disallows (controls,
//     format characters such as U+202E RIGHT-TO-LEFT OVERRIDE and the zero
//     width joiners, non-ASCII spaces, compatibility characters, symbols)
//     are still refused.
//
// Key is total: a userName stored before these rules (or by hand) that
// Check refuses is keyed by NFKC and Unicode case folding, so it still
// collides with its look-alikes.
package username

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// userpart is UsernameCaseMapped without the Bidi Rule.
var userpart = precis.NewIdentifier(precis.FoldWidth, precis.LowerCase(), precis.Norm(norm.NFC))

// parts are the space-separated userparts of s.
func parts(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' })
}

// Key is userName as uniqueness compares it: two userNames are the same
// user when their keys are equal. Filters compare userName by it too.
func Key(userName string) string {
	ps := parts(userName)
	for i, p := range ps {
		ps[i] = partKey(p)
	}
	return strings.Join(ps, " ")
}

func partKey(p string) string {
	if printableASCII(p) {
		return strings.ToLower(p) // what the profile makes of it, faster
	}
	if k, err := userpart.String(p); err == nil {
		return k
	}
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(p)))
}

// printableASCII reports whether p has only the characters U+0021..U+007E,
// which the profile takes as they are but for case.
func printableASCII(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] > 0x7e {
			return false
		}
	}
	return true
}

// Same reports whether two userNames name the same user.
func Same(a, b string) bool { return Key(a) == Key(b) }

// Check says why a userName cannot be stored, or nil.
func Check(userName string) error {
	ps := parts(userName)
	if len(ps) == 0 {
		return errors.New("is empty")
	}
	for _, p := range ps {
		if printableASCII(p) {
			continue
		}
		k, err := userpart.String(p)
		if err != nil {
			return fmt.Errorf("%q holds a character a username may not have (RFC 8265 IdentifierClass: no control, format or bidirectional override characters, no spaces but U+0020, no compatibility characters or symbols)", userName)
		}
		if k == "" {
			return errors.New("is empty after normalisation")
		}
	}
	return nil
}
