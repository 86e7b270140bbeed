package filter

import (
	"sort"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// people are resources in the shape the server renders, keyed by a short
// name used in test tables.
func people() map[string]map[string]any {
	return map[string]map[string]any{
		"ada": {
			"schemas":     []any{schema.URNUser, schema.URNEnterpriseUser},
			"id":          "2819c223-7f76-453a-919d-413861904646",
			"externalId":  "Ada-Ext",
			"userName":    "Ada@Example.com",
			"displayName": "Ada Lovelace",
			"title":       "Engineer",
			"active":      true,
			"name":        map[string]any{"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
			"emails": []any{
				map[string]any{"value": "ada@example.com", "type": "work", "primary": true},
				map[string]any{"value": "ada@home.org", "type": "home"},
			},
			"roles": []any{map[string]any{"value": "Admin", "primary": true}},
			"meta": map[string]any{
				"resourceType": "User",
				"created":      "2026-01-01T00:00:00Z",
				"lastModified": "2026-03-01T10:00:00Z",
				"version":      `W/"41"`,
			},
			schema.URNEnterpriseUser: map[string]any{
				"employeeNumber": "701984",
				"department":     "R&D",
				"manager":        map[string]any{"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"},
			},
		},
		"bob": {
			"id":           "bob-id",
			"userName":     "bob",
			"displayName":  "Bob \"The Builder\"",
			"active":       false,
			"emails":       []any{map[string]any{"value": "Bob@Example.org", "type": "work"}},
			"phoneNumbers": []any{map[string]any{"value": "555", "type": "mobile"}},
			"meta":         map[string]any{"lastModified": "2026-05-01T00:00:00+02:00"},
		},
		"carol": {
			"id":          "carol-id",
			"userName":    "carol",
			"externalId":  "ada-ext",
			"displayName": "",
			"emails":      []any{},
			"active":      true,
		},
	}
}

// matching returns the sorted names of the people e matches, joined by ' '.
func matching(e Expr) string {
	var names []string
	for name, r := range people() {
		if e.Match(r) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}
