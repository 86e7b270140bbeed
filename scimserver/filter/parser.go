package filter

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// maxDepth bounds nesting of parentheses and not, so a hostile filter
// cannot exhaust the stack.
const maxDepth = 32

// maxLength bounds the filter length in bytes.
const maxLength = 4096

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2) against the User schema.
// The error is an *Error whose Detail says what to change.
func Parse(filter string) (Expr, error) { return ParseIn(nil, filter) }

// ParseIn parses a filter against the schemas of set (nil is
// schema.Default): a workspace's declared extension attributes can be
// compared, e.g. urn:…:acme:2.0:User:costCode eq "X1".
func ParseIn(set *schema.Set, filter string) (Expr, error) {
	p, err := newParser(set, filter)
	if err != nil {
		return nil, err
	}
	e, err := p.parseOr(nil, 0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t, "unexpected %s; join expressions with 'and' or 'or'", t.describe())
	}
	return e, nil
}

type parser struct {
	set   *schema.Set
	input string
	toks  []token
	i     int
}

func newParser(set *schema.Set, input string) (*parser, error) {
	if strings.TrimSpace(input) == "" {
		return nil, &Error{Input: input, Detail: "the filter is empty"}
	}
	if len(input) > maxLength {
		return nil, &Error{Input: input[:64] + "...", Detail: fmt.Sprintf("the filter is longer than %d bytes", maxLength)}
	}
	if !utf8.ValidString(input) {
		return nil, &Error{Input: strings.ToValidUTF8(input, "\uFFFD"), Detail: "the filter is not valid UTF-8"}
	}
	toks, err := lex(input)
	if err != nil {
		return nil, err
	}
	return &parser{set: set, input: input, toks: toks}, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(t token, format string, args ...any) *Error {
	return &Error{Input: p.input, Pos: t.pos, Detail: fmt.Sprintf(format, args...)}
}

func (p *parser) isKeyword(word string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, word)
}

// parseOr parses "and-expr *(or and-expr)". parent is the complex attribute
// inside whose brackets the parser is, or nil at the top level.
func (p *parser) parseOr(parent *AttrPath, depth int) (Expr, error) {
	left, err := p.parseAnd(parent, depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		p.next()
		right, err := p.parseAnd(parent, depth)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "or", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseAnd(parent *AttrPath, depth int) (Expr, error) {
	left, err := p.parseUnary(parent, depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		p.next()
		right, err := p.parseUnary(parent, depth)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "and", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseUnary(parent *AttrPath, depth int) (Expr, error) {
	t := p.peek()
	if depth > maxDepth {
		return nil, p.errorf(t, "the filter nests deeper than %d levels", maxDepth)
	}
	switch {
	case p.isKeyword("not"):
		p.next()
		x, err := p.parseUnary(parent, depth+1)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case t.kind == tokLParen:
		p.next()
		x, err := p.parseOr(parent, depth+1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, p.errorf(c, "expected ')' to close the '(' at position %d, found %s", t.pos, c.describe())
		}
		return x, nil
	case t.kind == tokWord:
		p.next()
		return p.parseAttrExpr(t, parent, depth)
	case t.kind == tokEOF:
		return nil, p.errorf(t, "the filter ends early; expected an attribute, 'not' or '('")
	default:
		return nil, p.errorf(t, "unexpected %s; expected an attribute, 'not' or '('", t.describe())
	}
}

// parseAttrExpr parses what follows an attribute path: "pr", "op value",
// or "[filter]" optionally followed by ".sub pr" or ".sub op value".
func (p *parser) parseAttrExpr(name token, parent *AttrPath, depth int) (Expr, error) {
	path, err := p.resolve(name, parent)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tokLBracket {
		return p.parseComparison(path, parent != nil)
	}
	if parent != nil {
		return nil, p.errorf(p.peek(), "a value filter cannot contain another value filter")
	}
	vf, err := p.parseValueFilter(path, depth)
	if err != nil {
		return nil, err
	}
	if sub := p.peek(); sub.kind == tokSubAttr {
		p.next()
		subPath, err := p.resolve(token{kind: tokWord, text: sub.text, pos: sub.pos + 1}, &path)
		if err != nil {
			return nil, err
		}
		cmp, err := p.parseComparison(subPath, true)
		if err != nil {
			return nil, err
		}
		vf.Filter = &Logical{Op: "and", Left: vf.Filter, Right: cmp}
	}
	return vf, nil
}

// parseValueFilter parses "[filter]" after the complex attribute path.
func (p *parser) parseValueFilter(path AttrPath, depth int) (*ValueFilter, error) {
	open := p.next()
	if path.Sub != nil || !path.Attribute.IsComplex() {
		return nil, p.errorf(open, "%s is not a complex attribute; only complex attributes such as emails take a [filter]", path)
	}
	inner, err := p.parseOr(&path, depth+1)
	if err != nil {
		return nil, err
	}
	if c := p.next(); c.kind != tokRBracket {
		return nil, p.errorf(c, "expected ']' to close the '[' at position %d, found %s", open.pos, c.describe())
	}
	return &ValueFilter{Attr: path, Filter: inner}, nil
}

// resolve resolves an attribute name, relative to parent inside brackets.
func (p *parser) resolve(name token, parent *AttrPath) (AttrPath, error) {
	if parent == nil {
		path, err := p.set.ResolvePath(name.text)
		if err != nil {
			return AttrPath{}, pathError(p.input, name.pos, err)
		}
		return AttrPath{Path: path}, nil
	}
	sub, ok := parent.Attribute.SubAttribute(name.text)
	if !ok {
		return AttrPath{}, p.errorf(name, "%s has no sub-attribute %q (known: %s)", parent, name.text, subAttributeNames(parent.Attribute))
	}
	path := *parent
	path.Sub = &sub
	return path, nil
}

func subAttributeNames(a schema.Attribute) string {
	names := make([]string, len(a.SubAttributes))
	for i, s := range a.SubAttributes {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// parseComparison parses "pr" or "op value" after path and checks that the
// operator and the value fit the attribute's type.
func (p *parser) parseComparison(path AttrPath, inValueFilter bool) (Expr, error) {
	opTok := p.next()
	op, ok := operators[strings.ToLower(opTok.text)]
	if opTok.kind != tokWord || !ok {
		if opTok.kind == tokEOF {
			return nil, p.errorf(opTok, "the filter ends after %s; expected an operator (eq ne co sw ew pr gt ge lt le)", path)
		}
		return nil, p.errorf(opTok, "expected an operator (eq ne co sw ew pr gt ge lt le) after %s, found %s", path, opTok.describe())
	}
	c := &Comparison{Attr: path, Op: op, inValueFilter: inValueFilter}
	if op == OpPresent {
		return c, nil
	}
	if path.Leaf().IsComplex() {
		value, ok := path.Leaf().SubAttribute("value")
		if !ok || path.Sub != nil {
			return nil, p.errorf(opTok, "%s is a complex attribute; compare one of its sub-attributes (%s)", path, subAttributeNames(path.Leaf()))
		}
		c.Attr.Sub = &value
	}
	valTok := p.next()
	v, err := p.literal(valTok, c.Attr, op)
	if err != nil {
		return nil, err
	}
	c.Value = v
	return c, nil
}

// literal converts a value token to the attribute's type.
func (p *parser) literal(t token, path AttrPath, op Operator) (any, error) {
	attr := path.Leaf()
	var raw any
	switch {
	case t.kind == tokString:
		raw = t.text
	case t.kind == tokNumber:
		raw = json.Number(t.text)
	case t.kind == tokWord && strings.EqualFold(t.text, "true"):
		raw = true
	case t.kind == tokWord && strings.EqualFold(t.text, "false"):
		raw = false
	case t.kind == tokWord && strings.EqualFold(t.text, "null"):
		if op != OpEqual && op != OpNotEqual {
			return nil, p.errorf(t, "null can only be compared with eq or ne")
		}
		return nil, nil
	case t.kind == tokBare:
		return p.bareLiteral(t, path, op)
	case t.kind == tokEOF:
		return nil, p.errorf(t, "the filter ends after %s %s; expected a value", path, op)
	default:
		return nil, p.errorf(t, "expected a value after %s %s, found %s; quote strings with '\"'", path, op, t.describe())
	}
	switch attr.Type {
	case schema.TypeBoolean:
		if op != OpEqual && op != OpNotEqual {
			return nil, p.errorf(t, "%s is a boolean; use eq or ne, not %s", path, op)
		}
		if b, ok := asBool(raw); ok {
			return b, nil
		}
		return nil, p.errorf(t, "%s is a boolean; compare it with true or false", path)
	case schema.TypeDateTime:
		s, ok := raw.(string)
		if !ok {
			return nil, p.errorf(t, "%s is a dateTime; compare it with a quoted RFC 3339 time such as \"2026-01-02T15:04:05Z\"", path)
		}
		if op == OpContains || op == OpStartsWith || op == OpEndsWith {
			return nil, p.errorf(t, "%s is a dateTime; use eq ne gt ge lt le, not %s", path, op)
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, p.errorf(t, "%s is a dateTime and %q is not an RFC 3339 time such as \"2026-01-02T15:04:05Z\"", path, s)
		}
		return tm, nil
	case schema.TypeDecimal, schema.TypeInteger:
		if n, ok := raw.(json.Number); ok {
			return n, nil
		}
		return nil, p.errorf(t, "%s is a number; compare it with an unquoted number", path)
	default: // string, reference
		switch v := raw.(type) {
		case string:
			return v, nil
		case json.Number:
			return v.String(), nil
		}
		return nil, p.errorf(t, "%s is a string; quote the value, e.g. %s %s \"%v\"", path, path, op, raw)
	}
}

// bareLiteral takes an unquoted value (RFC 7644 wants strings and times
// quoted) where it cannot be mistaken for anything else: as a string for a
// string or reference attribute unless it is a keyword of the grammar
// (and, or, not, an operator), and as a time for a dateTime attribute when
// it is an RFC 3339 time. Anything else is an *Error, as before.
func (p *parser) bareLiteral(t token, path AttrPath, op Operator) (any, error) {
	attr := path.Leaf()
	lower := strings.ToLower(t.text)
	_, isOperator := operators[lower]
	if lower == "and" || lower == "or" || lower == "not" || isOperator {
		return nil, p.errorf(t, "expected a value after %s %s, found the keyword %q; quote a string value with '\"'", path, op, t.text)
	}
	switch attr.Type {
	case schema.TypeString, schema.TypeReference:
		return t.text, nil
	case schema.TypeDateTime:
		if op == OpContains || op == OpStartsWith || op == OpEndsWith {
			return nil, p.errorf(t, "%s is a dateTime; use eq ne gt ge lt le, not %s", path, op)
		}
		tm, err := time.Parse(time.RFC3339Nano, t.text)
		if err != nil {
			return nil, p.errorf(t, "%s is a dateTime and %s is not an RFC 3339 time such as \"2026-01-02T15:04:05Z\"", path, t.text)
		}
		return tm, nil
	case schema.TypeBoolean:
		return nil, p.errorf(t, "%s is a boolean; compare it with true or false", path)
	default:
		return nil, p.errorf(t, "%s is a number; compare it with an unquoted number, not %s", path, t.text)
	}
}
