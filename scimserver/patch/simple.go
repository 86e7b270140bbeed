package patch

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// Multi-valued attributes of a simple type (a declared extension's
// "multiValued: true" string, integer, ... attribute) hold a list of
// scalars, not of objects: they are coerced, added and removed here.

// coerceScalar converts a value of a simple attribute to its type.
func coerceScalar(attr schema.Attribute, v any, name string) (any, error) {
	switch attr.Type {
	case schema.TypeBoolean:
		return coerceBool(v, name)
	case schema.TypeInteger:
		return coerceInteger(v, name)
	case schema.TypeDateTime:
		return coerceDateTime(v, name)
	default:
		return coerceString(v, name)
	}
}

// coerceInteger accepts a JSON integer and a string of one, as Entra ID
// sends every extension attribute as a string.
func coerceInteger(v any, name string) (any, error) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string:
		if x == "" {
			return nil, nil
		}
		text = strings.TrimSpace(x)
	default:
		return nil, errorf(scimerr.InvalidValue, "%s must be an integer, not %s", name, describe(v))
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, errorf(scimerr.InvalidValue, "%s must be an integer (64 bits, no fraction), not %q", name, text)
	}
	return json.Number(strconv.FormatInt(n, 10)), nil
}

// coerceDateTime accepts an RFC 3339 time as a string and keeps it as sent.
func coerceDateTime(v any, name string) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, errorf(scimerr.InvalidValue, "%s must be an RFC 3339 time such as \"2026-01-02T15:04:05Z\", not %s", name, describe(v))
	}
	if s == "" {
		return nil, nil
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return nil, errorf(scimerr.InvalidValue, "%s must be an RFC 3339 time such as \"2026-01-02T15:04:05Z\", not %q", name, s)
	}
	return s, nil
}

// coerceScalarList takes a list of values, or one value, of a multi-valued
// simple attribute; empty values are dropped and repeated ones kept once
// (RFC 7643 §2.4).
func coerceScalarList(attr schema.Attribute, v any, name string) (any, error) {
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	out := make([]any, 0, len(items))
	for i, item := range items {
		if item == nil {
			continue
		}
		e, err := coerceScalar(attr, item, name+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = addScalar(attr, out, e)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// addScalar appends v unless the list holds it already.
func addScalar(attr schema.Attribute, list []any, v any) []any {
	for _, e := range list {
		if sameScalar(attr, e, v) {
			return list
		}
	}
	return append(list, v)
}

func sameScalar(attr schema.Attribute, a, b any) bool {
	as, aIsString := a.(string)
	bs, bIsString := b.(string)
	if aIsString && bIsString && !attr.CaseExact && attr.Type == schema.TypeString {
		return strings.EqualFold(as, bs)
	}
	return a == b
}

// applyScalarList applies add, replace or remove (with values to remove)
// to a multi-valued simple attribute.
func applyScalarList(container map[string]any, k string, attr schema.Attribute, v []any) {
	list, _ := container[attr.Name].([]any)
	switch k {
	case "replace":
		list = v
	case "add":
		for _, e := range v {
			list = addScalar(attr, list, e)
		}
	case "remove":
		kept := make([]any, 0, len(list))
		for _, e := range list {
			drop := false
			for _, r := range v {
				drop = drop || sameScalar(attr, e, r)
			}
			if !drop {
				kept = append(kept, e)
			}
		}
		list = kept
	}
	if len(list) == 0 {
		delete(container, attr.Name)
		return
	}
	container[attr.Name] = list
}
