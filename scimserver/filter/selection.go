package filter

import (
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// Selection is what the attributes and excludedAttributes query parameters
// (RFC 7644 §3.4.2.5, §3.9) ask for. The zero Selection returns resources
// unchanged.
type Selection struct {
	include, exclude               []AttrPath
	includeSchemas, excludeSchemas []string
}

// ParseSelection parses the comma-separated attributes and
// excludedAttributes parameters; either may be empty. Entries are attribute
// paths as ParseAttrPath takes them, or a schema URN for all of an extension.
// The error is an *Error (the server answers 400 invalidValue).
//
// An entry with a value filter, emails[type eq "work"] (Entra ID and other
// clients send them), names the attribute: emails, and
// emails[type eq "work"].value names emails.value. The filter is not
// applied: RFC 7644 §3.10 has no filtered attribute names, and the values
// the client wants are among those returned.
func ParseSelection(attributes, excludedAttributes string) (Selection, error) {
	return ParseSelectionIn(nil, attributes, excludedAttributes)
}

// ParseSelectionIn is ParseSelection against the schemas of set (nil is
// schema.Default).
func ParseSelectionIn(set *schema.Set, attributes, excludedAttributes string) (Selection, error) {
	var s Selection
	var err error
	if s.include, s.includeSchemas, err = parseList(set, attributes); err != nil {
		return Selection{}, err
	}
	if s.exclude, s.excludeSchemas, err = parseList(set, excludedAttributes); err != nil {
		return Selection{}, err
	}
	return s, nil
}

func parseList(set *schema.Set, list string) ([]AttrPath, []string, error) {
	var paths []AttrPath
	var schemas []string
	for _, item := range splitOutsideBrackets(list) {
		item = strings.TrimSpace(withoutValueFilter(item))
		if item == "" {
			continue
		}
		if s, ok := set.ByURN(item); ok {
			schemas = append(schemas, s.ID)
			continue
		}
		p, err := ParseAttrPathIn(set, item)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, p)
	}
	return paths, schemas, nil
}

// splitOutsideBrackets splits a comma-separated list, keeping commas inside
// a value filter's brackets or quotes in their entry.
func splitOutsideBrackets(list string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(list); i++ {
		switch c := list[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '[':
			depth++
		case c == ']' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, list[start:i])
			start = i + 1
		}
	}
	return append(out, list[start:])
}

// withoutValueFilter drops a value filter from an attribute name:
// emails[type eq "work"].value is emails.value. An unclosed '[' is left for
// ParseAttrPath to refuse.
func withoutValueFilter(item string) string {
	open := strings.IndexByte(item, '[')
	if open < 0 {
		return item
	}
	end := strings.LastIndexByte(item, ']')
	if end < open {
		return item
	}
	return item[:open] + item[end+1:]
}

// Apply returns a copy of resource holding what the selection asks for.
// "schemas" and attributes returned always (id) are kept regardless. With
// attributes, only the named attributes (or sub-attributes) are kept; then
// excludedAttributes are removed. Values emptied by the selection are left
// out. resource is not modified.
func (s Selection) Apply(resource map[string]any) map[string]any {
	if len(s.include) == 0 && len(s.includeSchemas) == 0 && len(s.exclude) == 0 && len(s.excludeSchemas) == 0 {
		return resource
	}
	out := map[string]any{}
	if len(s.include) == 0 && len(s.includeSchemas) == 0 {
		for k, v := range resource {
			if ext, ok := v.(map[string]any); ok && isURN(k) {
				v = copyMap(ext) // exclude edits extension objects in place
			}
			out[k] = v
		}
	} else {
		for _, k := range []string{"schemas", "id"} {
			if v, ok := resource[k]; ok {
				out[k] = v
			}
		}
		for _, urn := range s.includeSchemas {
			if v, ok := resource[urn].(map[string]any); ok {
				out[urn] = copyMap(v)
			}
		}
		for _, p := range s.include {
			include(out, resource, p)
		}
	}
	for _, urn := range s.excludeSchemas {
		delete(out, urn)
	}
	for _, p := range s.exclude {
		if p.Leaf().Returned != schema.ReturnedAlways {
			exclude(out, p)
		}
	}
	for k, v := range out {
		if ext, ok := v.(map[string]any); ok && isURN(k) {
			dropEmpty(ext)
		}
	}
	dropEmpty(out)
	return out
}

func isURN(key string) bool { return len(key) > 4 && strings.EqualFold(key[:4], "urn:") }

// dropEmpty removes the empty objects a selection leaves in lists, and the
// attributes it leaves empty.
func dropEmpty(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case []any:
			kept := make([]any, 0, len(x))
			for _, e := range x {
				if em, ok := e.(map[string]any); !ok || len(em) > 0 {
					kept = append(kept, e)
				}
			}
			if len(kept) == 0 {
				delete(m, k)
			} else if len(kept) != len(x) {
				m[k] = kept
			}
		case map[string]any:
			if len(x) == 0 {
				delete(m, k)
			}
		}
	}
}

func include(out, resource map[string]any, p AttrPath) {
	from := p.Container(resource)
	if from == nil {
		return
	}
	v, ok := from[p.Attribute.Name]
	if !ok {
		return
	}
	to := out
	if p.InExtension() {
		ext, ok := out[p.Schema].(map[string]any)
		if !ok {
			ext = map[string]any{}
			out[p.Schema] = ext
		}
		to = ext
	}
	if p.Sub == nil {
		to[p.Attribute.Name] = v
		return
	}
	sub := p.Sub.Name
	switch x := v.(type) {
	case map[string]any:
		m, _ := to[p.Attribute.Name].(map[string]any)
		m = copyMap(m)
		if sv, ok := x[sub]; ok {
			m[sub] = sv
			to[p.Attribute.Name] = m
		}
	case []any:
		// Several sub-attributes of one multi-valued attribute (emails.value,
		// emails.type) are merged element by element.
		existing, _ := to[p.Attribute.Name].([]any)
		merged := make([]any, len(x))
		for i, e := range x {
			var m map[string]any
			if i < len(existing) {
				m, _ = existing[i].(map[string]any)
			}
			m = copyMap(m)
			if em, ok := e.(map[string]any); ok {
				if sv, ok := em[sub]; ok {
					m[sub] = sv
				}
			}
			merged[i] = m
		}
		to[p.Attribute.Name] = merged
	}
}

func exclude(out map[string]any, p AttrPath) {
	container := p.Container(out)
	if container == nil {
		return
	}
	if p.Sub == nil {
		delete(container, p.Attribute.Name)
	} else {
		switch x := container[p.Attribute.Name].(type) {
		case map[string]any:
			m := copyMap(x)
			delete(m, p.Sub.Name)
			container[p.Attribute.Name] = m
		case []any:
			list := make([]any, len(x))
			for i, e := range x {
				if em, ok := e.(map[string]any); ok {
					em = copyMap(em)
					delete(em, p.Sub.Name)
					e = em
				}
				list[i] = e
			}
			container[p.Attribute.Name] = list
		}
	}
	if p.InExtension() && len(container) == 0 {
		delete(out, p.Schema)
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
