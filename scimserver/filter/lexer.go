package filter

import (
	"encoding/json"
	"strings"
)

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokWord
	tokString
	tokNumber
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
	tokSubAttr // ".name" right after ']'
	tokBare    // an unquoted value after an operator: O, Employee, 2015-10-10T14:38:21Z
)

func (k tokenKind) String() string {
	switch k {
	case tokEOF:
		return "end of filter"
	case tokWord:
		return "word"
	case tokString:
		return "string"
	case tokNumber:
		return "number"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokLBracket:
		return "'['"
	case tokRBracket:
		return "']'"
	case tokBare:
		return "unquoted value"
	default:
		return "'.subAttribute'"
	}
}

type token struct {
	kind tokenKind
	text string // raw text; for tokString the unescaped value
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tokWord, tokNumber, tokBare:
		return "\"" + t.text + "\""
	case tokString:
		return "string literal"
	case tokSubAttr:
		return "\"" + t.text + "\""
	default:
		return t.kind.String()
	}
}

// lex splits a filter into tokens.
func lex(input string) ([]token, error) {
	var toks []token
	for i := 0; i < len(input); {
		c := input[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, text: "(", pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, text: ")", pos: i})
			i++
		case c == '[':
			toks = append(toks, token{kind: tokLBracket, text: "[", pos: i})
			i++
		case c == ']':
			toks = append(toks, token{kind: tokRBracket, text: "]", pos: i})
			i++
		case c == '.' && len(toks) > 0 && toks[len(toks)-1].kind == tokRBracket:
			j := i + 1
			for j < len(input) && isNameChar(input[j]) {
				j++
			}
			if j == i+1 {
				return nil, &Error{Input: input, Pos: i, Detail: "expected a sub-attribute name after '].'"}
			}
			toks = append(toks, token{kind: tokSubAttr, text: input[i+1 : j], pos: i})
			i = j
		case c != '"' && inValuePosition(toks):
			j := i
			for j < len(input) && strings.IndexByte(" \t\n\r()[]\"", input[j]) < 0 {
				j++
			}
			toks = append(toks, bareToken(input[i:j], i))
			i = j
		case c == '"':
			s, n, err := lexString(input[i:])
			if err != nil {
				return nil, &Error{Input: input, Pos: i, Detail: err.Error()}
			}
			toks = append(toks, token{kind: tokString, text: s, pos: i})
			i += n
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(input) && strings.IndexByte("0123456789.eE+-", input[j]) >= 0 {
				j++
			}
			text := input[i:j]
			if !json.Valid([]byte(text)) {
				return nil, &Error{Input: input, Pos: i, Detail: "invalid number " + text}
			}
			toks = append(toks, token{kind: tokNumber, text: text, pos: i})
			i = j
		case isNameStart(c):
			j := i + 1
			for j < len(input) && isNameChar(input[j]) {
				j++
			}
			toks = append(toks, token{kind: tokWord, text: input[i:j], pos: i})
			i = j
		default:
			return nil, &Error{Input: input, Pos: i, Detail: "unexpected character " + quoteRune(input[i:])}
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(input)}), nil
}

// inValuePosition reports whether the next token is the value of a
// comparison: the last token is an operator other than pr.
func inValuePosition(toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	last := toks[len(toks)-1]
	op, isOp := operators[strings.ToLower(last.text)]
	return last.kind == tokWord && isOp && op != OpPresent
}

// bareToken classifies an unquoted value: a JSON number, true, false and
// null are what they are in the grammar; anything else is tokBare, which
// the parser takes only where the attribute's type leaves no doubt.
func bareToken(text string, pos int) token {
	switch {
	case text == "":
		return token{kind: tokBare, text: text, pos: pos}
	case (text[0] == '-' || text[0] >= '0' && text[0] <= '9') && json.Valid([]byte(text)):
		return token{kind: tokNumber, text: text, pos: pos}
	case strings.EqualFold(text, "true"), strings.EqualFold(text, "false"), strings.EqualFold(text, "null"):
		return token{kind: tokWord, text: text, pos: pos}
	}
	return token{kind: tokBare, text: text, pos: pos}
}

func quoteRune(s string) string {
	for _, r := range s {
		return "'" + string(r) + "'"
	}
	return "''"
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

// isNameChar accepts the characters of attribute names (RFC 7643 §2.1) and of
// schema URNs, which contain ':' and '.'.
func isNameChar(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == ':' || c == '.'
}

// lexString reads a JSON string literal at the start of s and returns its
// unescaped value and its length in bytes.
func lexString(s string) (string, int, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			var v string
			if err := json.Unmarshal([]byte(s[:i+1]), &v); err != nil {
				return "", 0, errString("invalid string literal " + s[:i+1] + ": use JSON escapes such as \\\" and \\\\")
			}
			return v, i + 1, nil
		}
	}
	return "", 0, errString("unterminated string literal; close it with '\"'")
}

type errString string

func (e errString) Error() string { return string(e) }
