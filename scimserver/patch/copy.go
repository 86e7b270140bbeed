package patch

import "github.com/rollcall-dev/rollcall/scimserver/schema"

// deepCopy copies the maps and lists of a JSON-shaped value.
func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopy(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// prune removes empty values from a resource: null, "", empty objects and
// empty lists, and values of multi-valued attributes that carry nothing but
// labels (type, primary, display) or, where the attribute has a value
// sub-attribute, no value. It also leaves at most one primary value per
// multi-valued attribute (the first), whatever the input held.
func prune(set *schema.Set, res map[string]any) {
	for k, v := range res {
		if s, ok := set.ByURN(k); ok && s.ID != schema.URNUser {
			if ext, ok := v.(map[string]any); ok {
				pruneAttributes(ext, s)
				if len(ext) == 0 {
					delete(res, k)
				}
				continue
			}
		}
	}
	pruneAttributes(res, schema.User)
}

func pruneAttributes(m map[string]any, s schema.Schema) {
	for k, v := range m {
		if attr, ok := s.Attribute(k); ok && attr.MultiValued && attr.IsComplex() {
			list := dedupeElements(attr, pruneElements(attr, listOf(v)))
			enforceSinglePrimary(list, -1)
			m[k] = list
		} else {
			m[k] = pruneValue(v)
		}
		if empty(m[k]) {
			delete(m, k)
		}
	}
}

func pruneElements(attr schema.Attribute, list []any) []any {
	_, hasValue := attr.SubAttribute("value")
	out := list[:0]
	for _, e := range list {
		m := pruneValue(e).(map[string]any)
		meaningful := false
		for k := range m {
			if k != "type" && k != "primary" && k != "display" {
				meaningful = true
			}
		}
		if hasValue {
			meaningful = !empty(m["value"])
		}
		if meaningful {
			out = append(out, m)
		}
	}
	return out
}

// dedupeElements keeps one of the values that are the same (sameElement):
// two identical {type, value} e-mails are one e-mail (RFC 7643 §2.4 calls
// duplicate values undefined). The first is kept and takes what only the
// repeat says, such as primary.
func dedupeElements(attr schema.Attribute, list []any) []any {
	out := list[:0]
	for _, e := range list {
		m := e.(map[string]any)
		merged := false
		for _, kept := range out {
			k := kept.(map[string]any)
			if sameElement(attr, k, m) {
				for key, v := range m {
					if _, has := k[key]; !has || (key == "primary" && v == true) {
						k[key] = v
					}
				}
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, m)
		}
	}
	return out
}

func pruneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = pruneValue(e)
			if empty(x[k]) {
				delete(x, k)
			}
		}
		return x
	case []any:
		out := x[:0]
		for _, e := range x {
			if e = pruneValue(e); !empty(e) {
				out = append(out, e)
			}
		}
		return out
	}
	return v
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
