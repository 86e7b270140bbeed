package filter

import (
	"errors"
	"strings"
	"time"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// AttrPath is a resolved attribute path such as "userName", "emails.value"
// or "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
type AttrPath struct {
	schema.Path
}

// ParseAttrPath resolves an attribute path as sortBy, attributes and
// excludedAttributes carry it. The error is an *Error.
func ParseAttrPath(s string) (AttrPath, error) { return ParseAttrPathIn(nil, s) }

// ParseAttrPathIn resolves an attribute path against the schemas of set
// (nil is schema.Default).
func ParseAttrPathIn(set *schema.Set, s string) (AttrPath, error) {
	p, err := set.ResolvePath(s)
	if err != nil {
		return AttrPath{}, pathError(s, 0, err)
	}
	return AttrPath{Path: p}, nil
}

func pathError(input string, pos int, err error) *Error {
	var pe *schema.PathError
	if errors.As(err, &pe) {
		return &Error{Input: input, Pos: pos, Detail: pe.Error(), Cause: pe}
	}
	return &Error{Input: input, Pos: pos, Detail: err.Error()}
}

// Values returns the values the path selects in resource, flattening
// multi-valued attributes: "emails" gives each e-mail object, "emails.value"
// each address, "name.givenName" one string. Absent and null values are left
// out, so a missing attribute gives an empty slice.
func (p AttrPath) Values(resource map[string]any) []any {
	container := p.Container(resource)
	if container == nil {
		return nil
	}
	top := elements(container[p.Attribute.Name])
	if p.Sub == nil {
		return top
	}
	var out []any
	for _, e := range top {
		if m, ok := e.(map[string]any); ok {
			out = append(out, elements(m[p.Sub.Name])...)
		}
	}
	return out
}

// elements flattens one attribute value into its values.
func elements(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if e != nil {
				out = append(out, e)
			}
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out
	default:
		return []any{v}
	}
}

// SortValue is the value resource is sorted by (RFC 7644 §3.4.2.3): for a
// multi-valued attribute the value of the primary element, or else of the
// first one. Strings of case-insensitive attributes are lower-cased and
// dateTime strings parsed to time.Time, so Compare orders them correctly.
// ok is false when the resource has no value.
func (p AttrPath) SortValue(resource map[string]any) (v any, ok bool) {
	container := p.Container(resource)
	if container == nil {
		return nil, false
	}
	top := elements(container[p.Attribute.Name])
	if len(top) == 0 {
		return nil, false
	}
	chosen := top[0]
	for _, e := range top {
		if m, isMap := e.(map[string]any); isMap && truthy(m["primary"]) {
			chosen = e
			break
		}
	}
	if p.Sub != nil {
		m, isMap := chosen.(map[string]any)
		if !isMap {
			return nil, false
		}
		chosen = m[p.Sub.Name]
	} else if m, isMap := chosen.(map[string]any); isMap {
		chosen = m["value"] // complex: sort by its value sub-attribute
	}
	return sortKey(p.Leaf(), chosen)
}

func sortKey(attr schema.Attribute, v any) (any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, false
	case string:
		if v == "" {
			return nil, false
		}
		if attr.Type == schema.TypeDateTime {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return t, true
			}
		}
		if !attr.CaseExact {
			return strings.ToLower(v), true
		}
		return v, true
	default:
		return v, true
	}
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// CompareResources orders two resources by the path's SortValue for sortBy
// and sortOrder. Resources without a value sort last in both orders.
func (p AttrPath) CompareResources(a, b map[string]any, descending bool) int {
	va, okA := p.SortValue(a)
	vb, okB := p.SortValue(b)
	switch {
	case !okA && !okB:
		return 0
	case !okA:
		return 1
	case !okB:
		return -1
	}
	c := Compare(va, vb)
	if descending {
		return -c
	}
	return c
}

// Compare orders two attribute values: strings byte-wise, booleans false
// first, numbers and time.Time by value. nil (a missing value) sorts after
// every value. Values of different types are ordered by type: booleans,
// numbers, times, strings, then anything else.
func Compare(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	switch a := a.(type) {
	case bool:
		bv := b.(bool)
		switch {
		case a == bv:
			return 0
		case !a:
			return -1
		default:
			return 1
		}
	case time.Time:
		return a.Compare(b.(time.Time))
	case string:
		return strings.Compare(a, b.(string))
	}
	if fa, ok := number(a); ok {
		fb, _ := number(b)
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
	}
	return 0
}

func rank(v any) int {
	switch v.(type) {
	case bool:
		return 0
	case time.Time:
		return 2
	case string:
		return 3
	case nil:
		return 5
	}
	if _, ok := number(v); ok {
		return 1
	}
	return 4
}
