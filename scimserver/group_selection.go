package scimserver

import (
	"net/url"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// groupSelection is what attributes and excludedAttributes (RFC 7644
// §3.9) ask of a Group. Names match case-insensitively, optionally
// qualified with the Group URN; "members.value" names a sub-attribute.
// Names the Group does not have select nothing (and are not an error).
type groupSelection struct {
	// include and exclude map a top-level attribute to the sub-attributes
	// named (nil: the whole attribute).
	include, exclude map[string][]string
}

var groupAttributes = []string{"id", "externalId", "displayName", "members", "meta", "schemas"}

func parseGroupSelection(v url.Values) groupSelection {
	return groupSelection{
		include: parseGroupAttrList(queryValues(v, "attributes")),
		exclude: parseGroupAttrList(queryValues(v, "excludedAttributes")),
	}
}

func parseGroupAttrList(values []string) map[string][]string {
	var out map[string][]string
	for _, item := range strings.Split(strings.Join(values, ","), ",") {
		item = strings.TrimSpace(item)
		if len(item) > len(schema.URNGroup)+1 && strings.EqualFold(item[:len(schema.URNGroup)+1], schema.URNGroup+":") {
			item = item[len(schema.URNGroup)+1:]
		}
		if item == "" {
			continue
		}
		top, sub, hasSub := strings.Cut(item, ".")
		for _, name := range groupAttributes {
			if !strings.EqualFold(top, name) {
				continue
			}
			if out == nil {
				out = map[string][]string{}
			}
			if !hasSub {
				out[name] = nil
			} else if subs, seen := out[name]; !seen || subs != nil {
				out[name] = append(subs, sub)
			}
		}
	}
	return out
}

// wantsMembers reports whether the answer shows members: only then are the
// group's membership shards read.
func (s groupSelection) wantsMembers() bool {
	if s.include != nil {
		_, ok := s.include["members"]
		return ok
	}
	subs, excluded := s.exclude["members"]
	return !excluded || subs != nil
}

// apply returns res with what the selection asks for; "schemas" and "id"
// (returned always) are kept. res is not changed.
func (s groupSelection) apply(res map[string]any) map[string]any {
	if s.include == nil && s.exclude == nil {
		return res
	}
	out := map[string]any{}
	if s.include == nil {
		for k, v := range res {
			out[k] = v
		}
	} else {
		for k, v := range res {
			if k == "schemas" || k == "id" {
				out[k] = v
				continue
			}
			if subs, ok := s.include[k]; ok {
				out[k] = selectSubs(v, subs, true)
			}
		}
	}
	for k, subs := range s.exclude {
		if k == "schemas" || k == "id" {
			continue
		}
		if v, ok := out[k]; ok {
			if subs == nil {
				delete(out, k)
			} else {
				out[k] = selectSubs(v, subs, false)
			}
		}
	}
	return out
}

// selectSubs keeps (keep) or drops the named sub-attributes of a complex
// or multi-valued complex value; subs nil is the whole value.
func selectSubs(v any, subs []string, keep bool) any {
	if subs == nil {
		return v
	}
	pick := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, x := range m {
			named := false
			for _, s := range subs {
				named = named || strings.EqualFold(s, k)
			}
			if named == keep {
				out[k] = x
			}
		}
		return out
	}
	switch x := v.(type) {
	case []resource.Member:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = pick(m.Map())
		}
		return out
	case map[string]any:
		return pick(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if m, ok := e.(map[string]any); ok {
				out[i] = pick(m)
			} else {
				out[i] = e
			}
		}
		return out
	}
	return v
}
