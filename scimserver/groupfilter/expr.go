package groupfilter

import "strings"

// Group is what a filter sees of a group.
type Group interface {
	// Attribute is the value of id, externalId or displayName ("" if unset).
	Attribute(name string) string
	// HasMember reports whether the user with SCIM id id is a member.
	HasMember(id string) bool
	// HasMembers reports whether the group has any member.
	HasMembers() bool
}

// Expr is a parsed filter.
type Expr interface {
	Match(g Group) bool
}

// Attribute names a filter compares, in canonical case.
const (
	AttrID          = "id"
	AttrExternalID  = "externalId"
	AttrDisplayName = "displayName"
	attrMembers     = "members"
)

type comparison struct {
	attr  string
	op    string
	value string
}

func (c *comparison) Match(g Group) bool {
	if c.attr == attrMembers {
		if c.op == "pr" {
			return g.HasMembers()
		}
		return g.HasMember(c.value)
	}
	v := g.Attribute(c.attr)
	want := c.value
	if c.attr == AttrDisplayName { // caseExact false
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	switch c.op {
	case "eq":
		return v == want
	case "ne":
		return v != want
	case "co":
		return strings.Contains(v, want)
	case "sw":
		return strings.HasPrefix(v, want)
	case "ew":
		return strings.HasSuffix(v, want)
	case "pr":
		return v != ""
	}
	return false
}

type logical struct {
	and         bool
	left, right Expr
}

func (l *logical) Match(g Group) bool {
	if l.and {
		return l.left.Match(g) && l.right.Match(g)
	}
	return l.left.Match(g) || l.right.Match(g)
}

type not struct{ x Expr }

func (n *not) Match(g Group) bool { return !n.x.Match(g) }

// IndexableEquality reports an equality on id, externalId or displayName
// that every match must satisfy (the expression or a conjunct of an "and"),
// so a server can look the value up in an index and match the few
// candidates only.
func IndexableEquality(e Expr) (attr, value string, ok bool) {
	switch n := e.(type) {
	case *comparison:
		if n.op == "eq" && n.attr != attrMembers {
			return n.attr, n.value, true
		}
	case *logical:
		if !n.and {
			return "", "", false
		}
		if attr, value, ok = IndexableEquality(n.left); ok {
			return attr, value, ok
		}
		return IndexableEquality(n.right)
	}
	return "", "", false
}
