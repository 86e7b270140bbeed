package groupfilter

import (
	"fmt"
	"strings"
)

// urnGroup prefixes fully qualified attribute names.
const urnGroup = "urn:ietf:params:scim:schemas:core:2.0:Group:"

// maxDepth bounds nesting, so a hostile filter cannot exhaust the stack.
const maxDepth = 32

// Parse parses a Group filter. The error is an *Error.
func Parse(filter string) (Expr, error) {
	toks, err := lex(filter)
	if err != nil {
		return nil, err
	}
	p := &parser{input: filter, toks: toks}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t, "unexpected %q after the filter", t.text)
	}
	return e, nil
}

type parser struct {
	input string
	toks  []token
	i     int
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

func (p *parser) keyword(word string) bool {
	t := p.peek()
	return t.kind == tokWord && strings.EqualFold(t.text, word)
}

func (p *parser) or(depth int) (Expr, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		p.next()
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = &logical{left: left, right: right}
	}
	return left, nil
}

func (p *parser) and(depth int) (Expr, error) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		p.next()
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		left = &logical{and: true, left: left, right: right}
	}
	return left, nil
}

func (p *parser) unary(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, p.errorf(p.peek(), "nested more than %d levels", maxDepth)
	}
	if p.keyword("not") {
		p.next()
		if t := p.next(); t.kind != tokLParen {
			return nil, p.errorf(t, "expected '(' after not")
		}
		x, err := p.group(depth)
		if err != nil {
			return nil, err
		}
		return &not{x: x}, nil
	}
	if p.peek().kind == tokLParen {
		p.next()
		return p.group(depth)
	}
	return p.attrExpr()
}

// group parses the rest of a parenthesised expression.
func (p *parser) group(depth int) (Expr, error) {
	x, err := p.or(depth + 1)
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tokRParen {
		return nil, p.errorf(t, "expected ')'")
	}
	return x, nil
}

var operators = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "pr": true,
	"gt": true, "ge": true, "lt": true, "le": true}

func (p *parser) attrExpr() (Expr, error) {
	t := p.next()
	if t.kind != tokWord {
		return nil, p.errorf(t, "expected an attribute name")
	}
	attr, err := p.attribute(t)
	if err != nil {
		return nil, err
	}
	if attr == attrMembers && p.peek().kind == tokLBracket {
		return p.memberFilter()
	}
	opTok := p.next()
	op := strings.ToLower(opTok.text)
	if opTok.kind != tokWord || !operators[op] {
		return nil, p.errorf(opTok, "expected an operator (eq, ne, co, sw, ew, pr) after %s", attr)
	}
	switch {
	case op == "gt" || op == "ge" || op == "lt" || op == "le":
		return nil, p.errorf(opTok, "%s is not supported on %s (a string)", op, attr)
	case attr == attrMembers && op != "eq" && op != "pr":
		return nil, p.errorf(opTok, "members supports eq and pr only")
	}
	if op == "pr" {
		return &comparison{attr: attr, op: op}, nil
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return &comparison{attr: attr, op: op, value: v}, nil
}

// memberFilter parses [value eq "…"] after members.
func (p *parser) memberFilter() (Expr, error) {
	p.next() // '['
	t := p.next()
	if t.kind != tokWord || !strings.EqualFold(t.text, "value") {
		return nil, p.errorf(t, "members[...] filters on value only, e.g. members[value eq \"<user id>\"]")
	}
	if op := p.next(); op.kind != tokWord || !strings.EqualFold(op.text, "eq") {
		return nil, p.errorf(op, "members[value ...] supports eq only")
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tokRBracket {
		return nil, p.errorf(t, "expected ']'")
	}
	return &comparison{attr: attrMembers, op: "eq", value: v}, nil
}

func (p *parser) value() (string, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return t.text, nil
	case tokWord:
		if strings.EqualFold(t.text, "and") || strings.EqualFold(t.text, "or") {
			break
		}
		return t.text, nil // an unquoted value, tolerated
	}
	return "", p.errorf(t, "expected a value")
}

// attribute resolves an attribute name, case-insensitively and optionally
// qualified with the Group schema URN.
func (p *parser) attribute(t token) (string, error) {
	name := t.text
	if len(name) > len(urnGroup) && strings.EqualFold(name[:len(urnGroup)], urnGroup) {
		name = name[len(urnGroup):]
	}
	for _, known := range []string{AttrID, AttrExternalID, AttrDisplayName, attrMembers} {
		if strings.EqualFold(name, known) {
			return known, nil
		}
	}
	if strings.EqualFold(name, "members.value") {
		return attrMembers, nil
	}
	return "", p.errorf(t, "unknown attribute %q of the Group resource (known: id, externalId, displayName, members, members.value)", t.text)
}
