package patch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/filter"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// Apply applies PATCH operations against schema.Default, dropping unknown
// attributes (ApplyIn with the zero Schemas).
//
// Apply applies PATCH operations in order to a copy of resource and returns
// the copy, without empty values. resource is not modified. The error is an
// *scimerr.Error whose Detail names the operation (by index) that failed.
//
// Semantics follow RFC 7644 §3.5.2 with the dialect described in the package
// documentation; in short:
//   - add and replace on a single-valued attribute set it; on a complex one
//     (name, manager) they merge the given sub-attributes;
//   - add on a multi-valued attribute appends values (a value equal to an
//     existing one in value and type is merged into it), replace replaces
//     the list;
//   - add and replace on a value-filtered path update the matching values
//     and, when none matches, create one from the filter's eq comparisons
//     (phoneNumbers[type eq "mobile"].value creates {"type":"mobile","value":...});
//   - remove on a multi-valued attribute with a value removes only the
//     listed values (matched by value), without a value it clears the list;
//     remove on a filtered path with a sub-attribute and a value removes the
//     sub-attribute only where it equals the value;
//   - null, "" and [] clear;
//   - at most one value of a multi-valued attribute is primary: the value an
//     operation makes primary wins.
func Apply(resource map[string]any, ops []Operation) (map[string]any, error) {
	res, _, err := ApplyIn(Schemas{}, resource, ops)
	return res, err
}

// ApplyIn is Apply against a workspace's Schemas: the declared extensions'
// attributes are patched like the enterprise extension's, and unknown
// attributes are dropped (and named in the Result) or refused.
func ApplyIn(schemas Schemas, resource map[string]any, ops []Operation) (map[string]any, Result, error) {
	a := newApplier(schemas)
	res := deepCopy(resource)
	for i, op := range ops {
		if err := a.applyOperation(res, op); err != nil {
			var pe *scimerr.Error
			if errors.As(err, &pe) {
				detail := fmt.Sprintf("Operations[%d] (%s", i, op.Op)
				if op.Path != "" {
					detail += " " + op.Path
				}
				return nil, Result{}, &scimerr.Error{Status: pe.Status, ScimType: pe.ScimType, Detail: detail + "): " + pe.Detail}
			}
			return nil, Result{}, err
		}
	}
	prune(schemas.Set, res)
	return res, a.result(), nil
}

func (a *applier) applyOperation(res map[string]any, op Operation) error {
	k, err := kind(op.Op)
	if err != nil {
		return err
	}
	value, hasValue, err := decodeValue(op.Value)
	if err != nil {
		return err
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		if k == "remove" {
			return errorf(scimerr.NoTarget, "remove needs a path naming what to remove")
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return errorf(scimerr.InvalidValue, "an operation without a path needs an object of attributes as its value, not %s", describe(value))
		}
		return a.applyObject(res, k, obj, nil, false)
	}
	if s, ok := a.Set.ByURN(path); ok {
		return a.applyToSchema(res, k, s, value, hasValue)
	}
	if a.ignoredPath(path) {
		return nil
	}
	if a.undeclaredSchema(path) {
		return a.undeclared(path, nil)
	}
	pp, ok, err := a.parsePath(path)
	if !ok {
		return err
	}
	return applyPath(res, k, pp, value, hasValue)
}

// applyToSchema handles a path that is a schema URN: the value is an object
// of that schema's attributes; remove of an extension removes all of it.
func (a *applier) applyToSchema(res map[string]any, k string, s schema.Schema, value any, hasValue bool) error {
	if k == "remove" || (hasValue && value == nil) {
		if s.ID == schema.URNUser {
			return errorf(scimerr.Mutability, "the core User schema cannot be removed")
		}
		delete(res, s.ID)
		return nil
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return errorf(scimerr.InvalidValue, "the value for %s must be an object of its attributes, not %s", s.ID, describe(value))
	}
	return a.applyObject(res, k, obj, &s, false)
}

// applyObject applies a path-less add or replace: each key of obj is an
// attribute name, a dotted "attr.sub", a URN-qualified path, or a schema URN
// whose value is an object of that schema's attributes. Within an extension
// object (in != nil) names are relative to that schema.
//
// Keys that merely restate what the server owns are ignored: "schemas",
// "meta", and "id" when it equals the resource's id (Okta sends the id in
// group renames). creating ignores "id" regardless, for POST and PUT bodies.
// Keys naming attributes Rollcall does not store (password, groups) and keys
// qualified with an unknown schema URN are dropped.
func (a *applier) applyObject(res map[string]any, k string, obj map[string]any, in *schema.Schema, creating bool) error {
	for _, key := range sortedKeys(obj) {
		v := obj[key]
		if in != nil {
			key = in.ID + ":" + key
		}
		switch {
		case in == nil && strings.EqualFold(key, "schemas"),
			in == nil && strings.EqualFold(key, "meta"):
			continue
		case in == nil && strings.EqualFold(key, "id"):
			if creating || v == res["id"] || res["id"] == nil {
				continue
			}
			return errorf(scimerr.Mutability, "id is read-only; it cannot change from %v to %v", res["id"], v)
		}
		if s, ok := a.Set.ByURN(key); ok {
			if in != nil {
				return errorf(scimerr.InvalidPath, "%s cannot be nested in %s", key, in.ID)
			}
			if err := a.applyToSchema(res, k, s, v, true); err != nil {
				return err
			}
			continue
		}
		if a.ignoredPath(key) {
			continue
		}
		if a.undeclaredSchema(key) {
			if err := a.undeclared(key, v); err != nil {
				return err
			}
			continue
		}
		pp, ok, err := a.parsePath(key)
		if !ok {
			if err != nil {
				return err
			}
			continue
		}
		if err := applyPath(res, k, pp, v, true); err != nil {
			return err
		}
	}
	return nil
}

// ignoredPath reports whether a path names an attribute Rollcall does not
// store (schema.Ignored), such as "password" or "groups[value eq ...]".
func (a *applier) ignoredPath(path string) bool {
	name := path
	if s, rest, ok := a.Set.SplitURN(path); ok {
		if s.ID != schema.URNUser {
			return false
		}
		name = rest
	}
	if i := strings.IndexAny(name, "[."); i >= 0 {
		name = name[:i]
	}
	return schema.Ignored(name)
}

func invalidPath(err error) error {
	var fe *filter.Error
	if errors.As(err, &fe) {
		return errorf(scimerr.InvalidPath, "%s", fe.Detail)
	}
	return errorf(scimerr.InvalidPath, "%v", err)
}

// applyPath applies one operation to a resolved path.
func applyPath(res map[string]any, k string, pp filter.PatchPath, value any, hasValue bool) error {
	target := pp.Target
	if target.Attribute.Mutability == schema.ReadOnly {
		return errorf(scimerr.Mutability, "%s is read-only", target.Attribute.Name)
	}
	container := target.Container(res)
	if container == nil {
		if k == "remove" {
			return nil
		}
		container = map[string]any{}
		res[target.Schema] = container
	}
	switch {
	case pp.Filter != nil:
		return applyFiltered(container, k, pp, value, hasValue)
	case target.Sub != nil:
		return applySub(container, k, target, value)
	default:
		return applyAttribute(container, k, target, value, hasValue)
	}
}
