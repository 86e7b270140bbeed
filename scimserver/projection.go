package scimserver

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// projection is the attributes / excludedAttributes of a request
// (RFC 7644 §3.9). "schemas" and "id" are always returned.
type projection struct {
	include, exclude []attrRef
}

// attrRef is one attribute of a projection: the extension it lives in ("" for
// core), the attribute and optionally a sub-attribute, all lower-case.
type attrRef struct {
	extension, attr, sub string
}

var enterpriseLower = strings.ToLower(schema.URNEnterpriseUser)

func parseAttrRefs(list []string) ([]attrRef, *scimError) {
	var out []attrRef
	for _, item := range list {
		for _, raw := range strings.Split(item, ",") {
			name := strings.ToLower(strings.TrimSpace(raw))
			if name == "" {
				continue
			}
			var ref attrRef
			if rest, ok := strings.CutPrefix(name, strings.ToLower(schema.URNUser)+":"); ok {
				name = rest
			}
			if name == enterpriseLower {
				out = append(out, attrRef{attr: enterpriseLower})
				continue
			}
			if rest, ok := strings.CutPrefix(name, enterpriseLower+":"); ok {
				ref.extension, name = enterpriseLower, rest
			}
			ref.attr, ref.sub, _ = strings.Cut(name, ".")
			if ref.attr == "" || strings.ContainsAny(name, "[] \"") {
				return nil, errorf(http.StatusBadRequest, scimTypeInvalidValue, "attribute %q in attributes/excludedAttributes is not an attribute path", raw)
			}
			out = append(out, ref)
		}
	}
	return out, nil
}

func newProjection(attributes, excluded []string) (projection, *scimError) {
	inc, e := parseAttrRefs(attributes)
	if e != nil {
		return projection{}, e
	}
	exc, e := parseAttrRefs(excluded)
	if e != nil {
		return projection{}, e
	}
	return projection{include: inc, exclude: exc}, nil
}

func projectionFromQuery(v url.Values) (projection, *scimError) {
	return newProjection(queryValues(v, "attributes"), queryValues(v, "excludedAttributes"))
}

// apply returns res cut down to the projection. res is not changed.
func (p projection) apply(res map[string]any) map[string]any {
	if len(p.include) > 0 {
		out := map[string]any{"schemas": res["schemas"], "id": res["id"]}
		for _, ref := range p.include {
			copyAttr(out, res, ref)
		}
		return out
	}
	if len(p.exclude) == 0 {
		return res
	}
	out := make(map[string]any, len(res))
	for k, v := range res {
		out[k] = v
	}
	for _, ref := range p.exclude {
		removeAttr(out, ref)
	}
	return out
}

func findKey(m map[string]any, lower string) (string, bool) {
	for k := range m {
		if strings.ToLower(k) == lower {
			return k, true
		}
	}
	return "", false
}

// copyAttr copies the attribute ref names from src to dst.
func copyAttr(dst, src map[string]any, ref attrRef) {
	if ref.extension != "" {
		extKey, ok := findKey(src, ref.extension)
		if !ok {
			return
		}
		ext, _ := src[extKey].(map[string]any)
		sub, _ := dst[extKey].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
		}
		copyAttr(sub, ext, attrRef{attr: ref.attr, sub: ref.sub})
		if len(sub) > 0 {
			dst[extKey] = sub
		}
		return
	}
	key, ok := findKey(src, ref.attr)
	if !ok || ref.attr == "schemas" || ref.attr == "id" {
		return
	}
	if ref.sub == "" {
		dst[key] = src[key]
		return
	}
	switch v := src[key].(type) {
	case map[string]any:
		m, _ := dst[key].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		if sk, ok := findKey(v, ref.sub); ok {
			m[sk] = v[sk]
		}
		dst[key] = m
	case []any:
		out := make([]any, 0, len(v))
		for _, item := range v {
			if im, ok := item.(map[string]any); ok {
				if sk, ok := findKey(im, ref.sub); ok {
					out = append(out, map[string]any{sk: im[sk]})
				}
			}
		}
		dst[key] = out
	}
}

// removeAttr removes ref from m, copying any nested map it changes.
func removeAttr(m map[string]any, ref attrRef) {
	if ref.extension != "" {
		extKey, ok := findKey(m, ref.extension)
		if !ok {
			return
		}
		ext, _ := m[extKey].(map[string]any)
		cp := make(map[string]any, len(ext))
		for k, v := range ext {
			cp[k] = v
		}
		removeAttr(cp, attrRef{attr: ref.attr, sub: ref.sub})
		m[extKey] = cp
		return
	}
	key, ok := findKey(m, ref.attr)
	if !ok || ref.attr == "schemas" || ref.attr == "id" {
		return
	}
	if ref.sub == "" {
		delete(m, key)
		return
	}
	switch v := m[key].(type) {
	case map[string]any:
		cp := make(map[string]any, len(v))
		for k, x := range v {
			if strings.ToLower(k) != ref.sub {
				cp[k] = x
			}
		}
		m[key] = cp
	case []any:
		out := make([]any, 0, len(v))
		for _, item := range v {
			im, ok := item.(map[string]any)
			if !ok {
				out = append(out, item)
				continue
			}
			cp := make(map[string]any, len(im))
			for k, x := range im {
				if strings.ToLower(k) != ref.sub {
					cp[k] = x
				}
			}
			out = append(out, cp)
		}
		m[key] = out
	}
}

// queryValues returns the values of a query parameter, its name matched
// case-insensitively.
func queryValues(v url.Values, name string) []string {
	var out []string
	for k, vals := range v {
		if strings.EqualFold(k, name) {
			out = append(out, vals...)
		}
	}
	return out
}

func queryValue(v url.Values, name string) (string, bool) {
	vals := queryValues(v, name)
	if len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}
