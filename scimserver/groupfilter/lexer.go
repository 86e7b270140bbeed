package groupfilter

import (
	"encoding/json"
	"fmt"
	"strings"
)

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokWord
	tokString
	tokLParen
	tokRParen
	tokLBracket
	tokRBracket
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

// lex splits a filter into tokens. A word runs to the next space,
// parenthesis or bracket; a string is a JSON string literal.
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
		case '(':
			out = append(out, token{tokLParen, "(", i})
			i++
		case ')':
			out = append(out, token{tokRParen, ")", i})
			i++
		case '[':
			out = append(out, token{tokLBracket, "[", i})
			i++
		case ']':
			out = append(out, token{tokRBracket, "]", i})
			i++
		case '"':
			end := i + 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				return nil, &Error{Input: s, Pos: i, Detail: "unterminated string"}
			}
			var v string
			if err := json.Unmarshal([]byte(s[i:end+1]), &v); err != nil {
				return nil, &Error{Input: s, Pos: i, Detail: fmt.Sprintf("bad string literal: %v", err)}
			}
			out = append(out, token{tokString, v, i})
			i = end + 1
		default:
			end := i
			for end < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[end])) {
				end++
			}
			out = append(out, token{tokWord, s[i:end], i})
			i = end
		}
	}
	return append(out, token{tokEOF, "", len(s)}), nil
}

// Error is a filter that cannot be parsed; the server answers 400
// invalidFilter with it.
type Error struct {
	Input  string
	Pos    int
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("filter %q at position %d: %s", e.Input, e.Pos, e.Detail)
}
