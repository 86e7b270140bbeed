// Package filter parses SCIM filters (RFC 7644 §3.4.2.2) and matches them
// against a User in its canonical map form.
//
// TEMPORARY: a minimal implementation that knows only `attrPath eq "value"`
// joined by `and`, so the server compiles; the full grammar replaces it.
package filter

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a filter that cannot be parsed or is not supported.
type Error struct {
	Detail string
}

func (e *Error) Error() string { return e.Detail }

// Expr is a parsed filter.
type Expr interface {
	// Match reports whether resource satisfies the filter.
	Match(resource map[string]any) bool
}

type eqExpr struct {
	path  AttrPath
	value string
}

type andExpr []Expr

func (e andExpr) Match(resource map[string]any) bool {
	for _, x := range e {
		if !x.Match(resource) {
			return false
		}
	}
	return true
}

func (e eqExpr) Match(resource map[string]any) bool {
	caseExact := e.path.attr == "id" || e.path.attr == "externalid"
	for _, v := range e.path.Values(resource) {
		s := fmt.Sprint(v)
		if caseExact && s == e.value || !caseExact && strings.EqualFold(s, e.value) {
			return true
		}
	}
	return false
}

// Parse parses a filter.
func Parse(filter string) (Expr, error) {
	var and andExpr
	for _, part := range strings.Split(filter, " and ") {
		fields := strings.SplitN(strings.TrimSpace(part), " ", 3)
		if len(fields) != 3 || !strings.EqualFold(fields[1], "eq") {
			return nil, &Error{Detail: fmt.Sprintf("unsupported filter %q: only attrPath eq \"value\" is supported", part)}
		}
		path, err := ParseAttrPath(fields[0])
		if err != nil {
			return nil, err
		}
		value, err := strconv.Unquote(fields[2])
		if err != nil {
			return nil, &Error{Detail: fmt.Sprintf("filter value %s is not a quoted string", fields[2])}
		}
		and = append(and, eqExpr{path: path, value: value})
	}
	if len(and) == 1 {
		return and[0], nil
	}
	return and, nil
}

var indexable = map[string]string{"id": "id", "username": "userName", "externalid": "externalId", "emails.value": "emails.value"}

// IndexableEquality reports an equality on an indexed attribute that every
// match must satisfy: attr is one of "id", "userName", "externalId", "emails.value".
func IndexableEquality(e Expr) (attr, value string, ok bool) {
	switch x := e.(type) {
	case eqExpr:
		key := x.path.attr
		if x.path.sub != "" {
			key += "." + x.path.sub
		}
		if name, found := indexable[key]; found && x.path.urn == "" {
			return name, x.value, true
		}
	case andExpr:
		for _, c := range x {
			if attr, value, ok := IndexableEquality(c); ok {
				return attr, value, true
			}
		}
	}
	return "", "", false
}

// AttrPath is an attribute path: [URN:]attr[.subAttr].
type AttrPath struct {
	urn  string
	attr string
	sub  string
}

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
const coreURN = "urn:ietf:params:scim:schemas:core:2.0:user"

// ParseAttrPath parses an attribute path.
func ParseAttrPath(s string) (AttrPath, error) {
	lower := strings.ToLower(s)
	var p AttrPath
	for _, urn := range []string{enterpriseURN, coreURN} {
		if rest, ok := strings.CutPrefix(lower, urn+":"); ok {
			if urn == enterpriseURN {
				p.urn = urn
			}
			lower = rest
		}
	}
	if lower == "" || strings.ContainsAny(lower, "[]() \"") {
		return AttrPath{}, &Error{Detail: fmt.Sprintf("unsupported attribute path %q", s)}
	}
	p.attr, p.sub, _ = strings.Cut(lower, ".")
	return p, nil
}

// Values returns the values the path selects in resource.
func (p AttrPath) Values(resource map[string]any) []any {
	base := resource
	if p.urn != "" {
		ext, _ := lookup(resource, p.urn).(map[string]any)
		if ext == nil {
			return nil
		}
		base = ext
	}
	v := lookup(base, p.attr)
	if v == nil {
		return nil
	}
	items, multi := v.([]any)
	if !multi {
		items = []any{v}
	}
	var out []any
	for _, item := range items {
		if p.sub == "" {
			out = append(out, item)
			continue
		}
		if m, ok := item.(map[string]any); ok {
			if sv := lookup(m, p.sub); sv != nil {
				out = append(out, sv)
			}
		}
	}
	return out
}

func lookup(m map[string]any, name string) any {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}
