package patch

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// coerce converts what a client sent for attr into the canonical form: a
// string, a bool, a map of sub-attributes, or a []any of such maps for a
// multi-valued attribute. A nil result means "clear the attribute": null, "",
// an empty list, and an empty object all clear. name is the attribute's
// canonical path, for error details.
func coerce(attr schema.Attribute, v any, name string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch {
	case attr.MultiValued && attr.IsComplex():
		return coerceList(attr, v, name)
	case attr.MultiValued:
		return coerceScalarList(attr, v, name)
	case attr.IsComplex():
		return coerceComplex(attr, v, name)
	default:
		return coerceScalar(attr, v, name)
	}
}

func coerceString(v any, name string) (any, error) {
	switch v := v.(type) {
	case string:
		if v == "" {
			return nil, nil
		}
		return v, nil
	case json.Number:
		return v.String(), nil
	}
	return nil, errorf(scimerr.InvalidValue, "%s must be a string, not %s", name, describe(v))
}

// coerceBool accepts JSON booleans and the strings "true" and "false" in
// any case, which Entra ID sends ("True", "False").
func coerceBool(v any, name string) (any, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		switch {
		case v == "":
			return nil, nil
		case strings.EqualFold(v, "true"):
			return true, nil
		case strings.EqualFold(v, "false"):
			return false, nil
		}
	}
	return nil, errorf(scimerr.InvalidValue, "%s must be true or false, not %s", name, describe(v))
}

// coerceComplex handles a single-valued complex attribute (name, manager).
// An attribute with a "value" sub-attribute (manager) also takes a bare
// string, the value itself, and a list of one object, as Entra ID sends it.
func coerceComplex(attr schema.Attribute, v any, name string) (any, error) {
	if _, hasValue := attr.SubAttribute("value"); hasValue {
		switch x := v.(type) {
		case string, json.Number:
			s, err := coerceString(x, name+".value")
			if s == nil || err != nil {
				return nil, err
			}
			return map[string]any{"value": s}, nil
		case []any:
			switch len(x) {
			case 0:
				return nil, nil
			case 1:
				v = x[0]
			default:
				return nil, errorf(scimerr.InvalidValue, "%s is single-valued; send one object, not a list of %d", name, len(x))
			}
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(scimerr.InvalidValue, "%s must be an object with sub-attributes (%s), not %s", name, subNames(attr), describe(v))
	}
	return coerceSubAttributes(attr, m, name)
}

// coerceSubAttributes canonicalises the keys of an object of attr's
// sub-attributes and coerces their values. A sub-attribute sent as null or
// "" is kept as nil, meaning "clear it" when merged into an existing value.
// Unknown keys with a null value ("$ref": null) are dropped.
func coerceSubAttributes(attr schema.Attribute, m map[string]any, name string) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		sub, ok := attr.SubAttribute(k)
		if !ok {
			if m[k] == nil {
				continue
			}
			return nil, errorf(scimerr.InvalidPath, "%s has no sub-attribute %q (known: %s)", name, k, subNames(attr))
		}
		v, err := coerce(sub, m[k], name+"."+sub.Name)
		if err != nil {
			return nil, err
		}
		out[sub.Name] = v
	}
	return out, nil
}

// coerceList handles a multi-valued attribute: a list of objects, or one
// object, or (for attributes with a value sub-attribute) bare strings.
func coerceList(attr schema.Attribute, v any, name string) (any, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any, string, json.Number:
		items = []any{x}
	default:
		return nil, errorf(scimerr.InvalidValue, "%s must be a list of objects, not %s", name, describe(v))
	}
	out := make([]any, 0, len(items))
	for _, item := range items {
		e, err := coerceElement(attr, item, name)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// coerceElement handles one value of a multi-valued attribute. It returns
// nil for null, "" and an object without any value.
func coerceElement(attr schema.Attribute, v any, name string) (map[string]any, error) {
	_, hasValue := attr.SubAttribute("value")
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string, json.Number:
		if !hasValue {
			return nil, errorf(scimerr.InvalidValue, "each value of %s must be an object with sub-attributes (%s)", name, subNames(attr))
		}
		s, err := coerceString(x, name+".value")
		if s == nil || err != nil {
			return nil, err
		}
		v = map[string]any{"value": s}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(scimerr.InvalidValue, "each value of %s must be an object, not %s", name, describe(v))
	}
	if attr.Name == "roles" {
		m = expandEncodedRole(m)
	}
	out, err := coerceSubAttributes(attr, m, name)
	if err != nil {
		return nil, err
	}
	for k, sv := range out {
		if sv == nil {
			delete(out, k)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// expandEncodedRole unpacks Entra ID's PATCH form of a role, whose value is
// the role encoded as a JSON string:
// {"value":"{\"id\":\"06b0...\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}
// becomes {"value":"25","display":"Role1234"}. The app role's "id" is not
// stored. Keys given beside the encoded value win over the encoded ones.
func expandEncodedRole(m map[string]any) map[string]any {
	var raw string
	var key string
	for k, v := range m {
		if strings.EqualFold(k, "value") {
			raw, _ = v.(string)
			key = k
		}
	}
	trimmed := strings.TrimSpace(raw)
	if !strings.HasPrefix(trimmed, "{") {
		return m
	}
	var encoded map[string]any
	if err := json.Unmarshal([]byte(trimmed), &encoded); err != nil {
		return m
	}
	out := make(map[string]any, len(m)+2)
	for k, v := range encoded {
		switch strings.ToLower(k) {
		case "value", "type", "primary", "display":
			out[strings.ToLower(k)] = v
		case "displayname":
			out["display"] = v
		}
	}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	if _, ok := out["value"]; !ok {
		return m
	}
	return out
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value of unknown type"
}

func subNames(a schema.Attribute) string {
	names := make([]string, len(a.SubAttributes))
	for i, s := range a.SubAttributes {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
