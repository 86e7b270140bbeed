// Package patch applies SCIM PATCH operations (RFC 7644 §3.5.2) to a User in
// its canonical map form, accepting the dialects identity providers send.
//
// TEMPORARY: a minimal implementation (add, replace, remove on plain and
// dotted paths and path-less values with plain keys) so the server compiles;
// the full implementation replaces it.
package patch

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Operation is one PATCH operation.
type Operation struct {
	Op    string          `json:"op"`
	Path  string          `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// Error is a PATCH that cannot be applied, with its SCIM status and scimType.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return e.Detail }

// Apply applies ops to a copy of resource and returns the copy.
func Apply(resource map[string]any, ops []Operation) (map[string]any, error) {
	out := deepCopy(resource).(map[string]any)
	for i, op := range ops {
		var value any
		if len(op.Value) > 0 {
			if err := json.Unmarshal(op.Value, &value); err != nil {
				return nil, &Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: fmt.Sprintf("operation %d: value is not JSON: %v", i, err)}
			}
		}
		kind := strings.ToLower(op.Op)
		if strings.ContainsAny(op.Path, "[]") {
			return nil, &Error{Status: http.StatusBadRequest, ScimType: "invalidPath", Detail: fmt.Sprintf("operation %d: value filters in paths are not supported", i)}
		}
		switch kind {
		case "add", "replace":
			if op.Path == "" {
				obj, ok := value.(map[string]any)
				if !ok {
					return nil, &Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: fmt.Sprintf("operation %d: a path-less %s needs an object value", i, op.Op)}
				}
				for k, v := range obj {
					set(out, k, v)
				}
				continue
			}
			set(out, op.Path, value)
		case "remove":
			if op.Path == "" {
				return nil, &Error{Status: http.StatusBadRequest, ScimType: "noTarget", Detail: fmt.Sprintf("operation %d: remove needs a path", i)}
			}
			set(out, op.Path, nil)
		default:
			return nil, &Error{Status: http.StatusBadRequest, ScimType: "invalidSyntax", Detail: fmt.Sprintf("operation %d: unknown op %q", i, op.Op)}
		}
	}
	return out, nil
}

func set(res map[string]any, path string, value any) {
	parent, name := res, path
	if head, tail, ok := strings.Cut(path, "."); ok {
		child, _ := res[head].(map[string]any)
		if child == nil {
			child = map[string]any{}
			res[head] = child
		}
		parent, name = child, tail
	}
	if value == nil {
		delete(parent, name)
		return
	}
	parent[name] = value
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = deepCopy(e)
		}
		return s
	default:
		return v
	}
}
