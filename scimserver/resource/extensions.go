package resource

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// Bounds of a declared extension attribute's value, so that one user's
// extensions stay a small part of its object (and of the member row).
const (
	// MaxExtensionValues is the most values of a multi-valued attribute.
	MaxExtensionValues = 32
	// MaxExtensionStringBytes is the longest string value, in bytes.
	MaxExtensionStringBytes = 2048
)

// extensions reads the declared extensions' values of a canonical
// resource (as patch made it) into spec.extensions, checking the bounds
// and required attributes. Values are already of the attribute's type.
func (r *reader) extensions(set *schema.Set, res map[string]any) map[string]identityv1alpha1.ExtensionValues {
	var out map[string]identityv1alpha1.ExtensionValues
	for _, s := range set.Declared() {
		obj := r.object(s.ID, res[s.ID])
		values := identityv1alpha1.ExtensionValues{}
		for _, attr := range s.Attributes {
			path := s.ID + ":" + attr.Name
			v, ok := obj[attr.Name]
			if !ok || v == nil {
				if attr.Required {
					r.fail(path, "is required by the workspace's schema extension and must not be empty")
				}
				continue
			}
			if raw, ok := r.extensionValue(path, attr, v); ok {
				values[attr.Name] = apiextensionsv1.JSON{Raw: raw}
			}
		}
		if len(values) > 0 {
			if out == nil {
				out = map[string]identityv1alpha1.ExtensionValues{}
			}
			out[s.ID] = values
		}
	}
	return out
}

func (r *reader) extensionValue(path string, attr schema.Attribute, v any) (json.RawMessage, bool) {
	check := func(at string, e any) {
		if s, ok := e.(string); ok {
			if len(s) > MaxExtensionStringBytes {
				r.fail(at, "is longer than %d bytes", MaxExtensionStringBytes)
			}
			if strings.ContainsRune(s, 0) {
				r.fail(at, "must not contain a NUL character (\\u0000)")
			}
		}
	}
	if list, ok := v.([]any); ok {
		if !attr.MultiValued {
			r.fail(path, "is single-valued; send one value, not a list")
			return nil, false
		}
		if len(list) > MaxExtensionValues {
			r.fail(path, "has %d values; at most %d are kept", len(list), MaxExtensionValues)
			return nil, false
		}
		for i, e := range list {
			check(fmt.Sprintf("%s[%d]", path, i), e)
		}
	} else {
		check(path, v)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		r.fail(path, "cannot be stored: %v", err)
		return nil, false
	}
	return raw, r.err == nil
}

// extensionResources adds the declared extensions' values of a spec to a
// resource and their URNs to its schemas. Values of extensions the
// workspace does not declare (any more) are not served.
func extensionResources(set *schema.Set, res map[string]any, exts map[string]identityv1alpha1.ExtensionValues) {
	if len(exts) == 0 {
		return
	}
	for _, s := range set.Declared() {
		values, ok := lookupFold(exts, s.ID)
		if !ok {
			continue
		}
		obj := map[string]any{}
		for _, attr := range s.Attributes {
			raw, ok := lookupFold(values, attr.Name)
			if !ok {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(raw.Raw))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err == nil && v != nil {
				obj[attr.Name] = v
			}
		}
		if len(obj) > 0 {
			res[s.ID] = obj
			res["schemas"] = append(res["schemas"].([]any), s.ID)
		}
	}
}

func lookupFold[V any](m map[string]V, key string) (V, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// KeepUndeclared copies into next the values of cur's extensions that set
// does not declare: a PUT or PATCH cannot see them (they are not served),
// so it must not drop them either. They are served again when the
// workspace declares the extension again.
func KeepUndeclared(set *schema.Set, cur, next *identityv1alpha1.WorkspaceUserSpec) {
	for urn, values := range cur.Extensions {
		if set.IsDeclared(urn) {
			continue
		}
		if next.Extensions == nil {
			next.Extensions = map[string]identityv1alpha1.ExtensionValues{}
		}
		next.Extensions[urn] = values
	}
}
