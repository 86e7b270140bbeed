package filter

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestAttrPathValues(t *testing.T) {
	ada := people()["ada"]
	tests := []struct {
		path string
		want []any
	}{
		{"userName", []any{"Ada@Example.com"}},
		{"USERNAME", []any{"Ada@Example.com"}},
		{"name.givenName", []any{"Ada"}},
		{"emails.value", []any{"ada@example.com", "ada@home.org"}},
		{"emails.type", []any{"work", "home"}},
		{"active", []any{true}},
		{"nickName", nil},
		{"addresses.locality", nil},
		{"manager.value", []any{"26118915-6090-4610-87e4-49d8ca9f808d"}},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", []any{"701984"}},
		{"meta.version", []any{`W/"41"`}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := ParseAttrPath(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Values(ada); (len(got) != 0 || len(tt.want) != 0) && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Values = %#v, want %#v", got, tt.want)
			}
		})
	}
	emails, _ := ParseAttrPath("emails")
	if got := emails.Values(ada); len(got) != 2 {
		t.Errorf("emails values = %v, want the two e-mail objects", got)
	}
	var fe *Error
	if _, err := ParseAttrPath("emails.nosuch"); !errors.As(err, &fe) || !strings.Contains(fe.Detail, "nosuch") {
		t.Errorf("ParseAttrPath(emails.nosuch) error = %v, want *Error naming nosuch", err)
	}
}

func TestSortByAttribute(t *testing.T) {
	resources := []map[string]any{
		{"userName": "carol", "title": "b", "emails": []any{map[string]any{"value": "z@x"}, map[string]any{"value": "a@x", "primary": true}}, "meta": map[string]any{"lastModified": "2026-01-01T12:00:00+02:00"}},
		{"userName": "Bob", "meta": map[string]any{"lastModified": "2026-01-01T11:00:00Z"}, "emails": []any{map[string]any{"value": "m@x"}}},
		{"userName": "ada", "title": "A", "meta": map[string]any{"lastModified": "2026-01-01T10:30:00Z"}},
		{"userName": "dan", "title": ""},
	}
	order := func(path string, descending bool) string {
		p, err := ParseAttrPath(path)
		if err != nil {
			t.Fatal(err)
		}
		sorted := slices.Clone(resources)
		slices.SortStableFunc(sorted, func(a, b map[string]any) int { return p.CompareResources(a, b, descending) })
		var names []string
		for _, r := range sorted {
			names = append(names, r["userName"].(string))
		}
		return strings.Join(names, " ")
	}
	tests := []struct {
		path       string
		descending bool
		want       string
	}{
		{"userName", false, "ada Bob carol dan"}, // case-insensitive
		{"userName", true, "dan carol Bob ada"},
		{"title", false, "ada carol Bob dan"},             // missing and empty sort last
		{"title", true, "carol ada Bob dan"},              // ... in both orders
		{"meta.lastModified", false, "carol ada Bob dan"}, // 10:00Z < 10:30Z < 11:00Z
		{"emails", false, "carol Bob ada dan"},            // primary value a@x, then m@x
		{"emails.value", true, "Bob carol ada dan"},
	}
	for _, tt := range tests {
		if got := order(tt.path, tt.descending); got != tt.want {
			t.Errorf("sort by %s (descending %v) = %q, want %q", tt.path, tt.descending, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b any
		want int
	}{
		{"a", "b", -1},
		{"b", "a", 1},
		{"a", "a", 0},
		{false, true, -1},
		{true, true, 0},
		{1.5, 2.0, -1},
		{"a", nil, -1},
		{nil, "a", 1},
		{nil, nil, 0},
		{true, "a", -1},
	}
	for _, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
