package filter

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/rollcall-dev/rollcall/scimserver/username"
)

// Expr is a parsed filter.
type Expr interface {
	// Match reports whether resource satisfies the filter.
	Match(resource map[string]any) bool
	// String renders the filter in canonical SCIM syntax, for logs.
	String() string
}

// Operator is a comparison operator of RFC 7644 §3.4.2.2.
type Operator string

// Comparison operators.
const (
	OpEqual          Operator = "eq"
	OpNotEqual       Operator = "ne"
	OpContains       Operator = "co"
	OpStartsWith     Operator = "sw"
	OpEndsWith       Operator = "ew"
	OpPresent        Operator = "pr"
	OpGreater        Operator = "gt"
	OpGreaterOrEqual Operator = "ge"
	OpLess           Operator = "lt"
	OpLessOrEqual    Operator = "le"
)

var operators = map[string]Operator{
	"eq": OpEqual, "ne": OpNotEqual, "co": OpContains, "sw": OpStartsWith, "ew": OpEndsWith,
	"pr": OpPresent, "gt": OpGreater, "ge": OpGreaterOrEqual, "lt": OpLess, "le": OpLessOrEqual,
}

// Comparison is "attr op value" or "attr pr".
type Comparison struct {
	// Attr is the compared attribute. Inside a ValueFilter it is the full
	// path of the sub-attribute ("emails.type").
	Attr AttrPath
	// Op is the operator.
	Op Operator
	// Value is the literal, converted to the attribute's type: string, bool,
	// time.Time for dateTime attributes, json.Number, or nil for null and pr.
	Value any

	inValueFilter bool
}

// Match implements Expr.
func (c *Comparison) Match(resource map[string]any) bool {
	values := c.Attr.Values(resource)
	switch {
	case c.Op == OpPresent:
		for _, v := range values {
			if present(v) {
				return true
			}
		}
		return false
	case c.Value == nil: // eq null / ne null
		has := false
		for _, v := range values {
			has = has || present(v)
		}
		return has == (c.Op == OpNotEqual)
	case c.Op == OpNotEqual:
		if len(values) == 0 {
			return true
		}
		for _, v := range values {
			if !c.compare(v, OpEqual) {
				return true
			}
		}
		return false
	}
	for _, v := range values {
		if c.compare(v, c.Op) {
			return true
		}
	}
	return false
}

// compare applies op to one attribute value and the literal.
func (c *Comparison) compare(v any, op Operator) bool {
	switch lit := c.Value.(type) {
	case bool:
		b, ok := asBool(v)
		return ok && b == lit
	case time.Time:
		s, ok := v.(string)
		if !ok {
			return false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return false
		}
		return ordered(t.Compare(lit), op)
	case json.Number:
		a, ok := number(v)
		b, _ := number(lit)
		if !ok {
			return false
		}
		switch {
		case a < b:
			return ordered(-1, op)
		case a > b:
			return ordered(1, op)
		}
		return ordered(0, op)
	case string:
		s, ok := v.(string)
		if !ok {
			return false
		}
		switch {
		case c.Attr.String() == IndexUserName:
			// As uniqueness compares it, so that a filter finds the user
			// by any form the userName index and the claims take as one.
			s, lit = username.Key(s), username.Key(lit)
		case !c.Attr.Leaf().CaseExact:
			s, lit = strings.ToLower(s), strings.ToLower(lit)
		}
		switch op {
		case OpContains:
			return strings.Contains(s, lit)
		case OpStartsWith:
			return strings.HasPrefix(s, lit)
		case OpEndsWith:
			return strings.HasSuffix(s, lit)
		}
		return ordered(strings.Compare(s, lit), op)
	}
	return false
}

// ordered maps a three-way comparison result to the operators that order.
func ordered(cmp int, op Operator) bool {
	switch op {
	case OpEqual:
		return cmp == 0
	case OpNotEqual:
		return cmp != 0
	case OpGreater:
		return cmp > 0
	case OpGreaterOrEqual:
		return cmp >= 0
	case OpLess:
		return cmp < 0
	case OpLessOrEqual:
		return cmp <= 0
	}
	return false
}

func asBool(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch {
		case strings.EqualFold(v, "true"):
			return true, true
		case strings.EqualFold(v, "false"):
			return false, true
		}
	}
	return false, false
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	}
	return 0, false
}

// present reports whether a value counts as present for pr: not null, not an
// empty string, not an empty list or object.
func present(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		for _, e := range v {
			if present(e) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, e := range v {
			if present(e) {
				return true
			}
		}
		return false
	}
	return true
}

// String implements Expr.
func (c *Comparison) String() string {
	name := c.Attr.String()
	if c.inValueFilter && c.Attr.Sub != nil {
		name = c.Attr.Sub.Name
	}
	if c.Op == OpPresent {
		return name + " pr"
	}
	return name + " " + string(c.Op) + " " + literal(c.Value)
}

func literal(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return strconv.Quote(v.Format(time.RFC3339Nano))
	case json.Number:
		return v.String()
	case string:
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v) // a string always encodes
		return strings.TrimSuffix(b.String(), "\n")
	case bool:
		return strconv.FormatBool(v)
	}
	return "null"
}

// Logical is "left and right" or "left or right".
type Logical struct {
	// Op is "and" or "or".
	Op          string
	Left, Right Expr
}

// Match implements Expr.
func (l *Logical) Match(resource map[string]any) bool {
	if l.Op == "and" {
		return l.Left.Match(resource) && l.Right.Match(resource)
	}
	return l.Left.Match(resource) || l.Right.Match(resource)
}

// String implements Expr.
func (l *Logical) String() string {
	return "(" + l.Left.String() + " " + l.Op + " " + l.Right.String() + ")"
}

// Not is "not (x)".
type Not struct {
	X Expr
}

// Match implements Expr.
func (n *Not) Match(resource map[string]any) bool { return !n.X.Match(resource) }

// String implements Expr.
func (n *Not) String() string { return "not (" + n.X.String() + ")" }

// ValueFilter is "attr[filter]": it matches when one value of the complex
// attribute attr satisfies Filter. Entra ID's "attr[filter].sub op value" is
// a ValueFilter whose Filter is "filter and sub op value".
type ValueFilter struct {
	// Attr is the complex attribute, without a sub-attribute.
	Attr AttrPath
	// Filter applies to each value of Attr; its paths are sub-attributes
	// of Attr.
	Filter Expr
}

// Match implements Expr.
func (f *ValueFilter) Match(resource map[string]any) bool {
	container := f.Attr.Container(resource)
	if container == nil {
		return false
	}
	for _, e := range elements(container[f.Attr.Attribute.Name]) {
		if m, ok := e.(map[string]any); ok && f.MatchElement(m) {
			return true
		}
	}
	return false
}

// MatchElement reports whether one value of Attr (one e-mail object, or the
// manager object) satisfies the filter.
func (f *ValueFilter) MatchElement(element map[string]any) bool {
	view := map[string]any{f.Attr.Attribute.Name: element}
	if f.Attr.InExtension() {
		view = map[string]any{f.Attr.Schema: view}
	}
	return f.Filter.Match(view)
}

// String implements Expr.
func (f *ValueFilter) String() string {
	inner := f.Filter.String()
	if _, ok := f.Filter.(*Logical); ok {
		inner = strings.TrimSuffix(strings.TrimPrefix(inner, "("), ")")
	}
	return f.Attr.String() + "[" + inner + "]"
}
