package patch

import (
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/filter"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// applyAttribute applies an operation whose path names a whole attribute.
func applyAttribute(container map[string]any, k string, target filter.AttrPath, value any, hasValue bool) error {
	attr := target.Attribute
	name := target.String()
	if k == "remove" {
		if attr.Required {
			return errorf(scimerr.Mutability, "%s is required and cannot be removed", name)
		}
		if attr.MultiValued && hasValue && value != nil {
			if !attr.IsComplex() {
				v, err := coerce(attr, value, name)
				if err != nil || v == nil {
					return err
				}
				applyScalarList(container, k, attr, v.([]any))
				return nil
			}
			return removeListed(container, attr, value, name)
		}
		delete(container, attr.Name)
		return nil
	}
	v, err := coerce(attr, value, name)
	if err != nil {
		return err
	}
	if v == nil {
		if attr.Required {
			return errorf(scimerr.InvalidValue, "%s is required and cannot be empty", name)
		}
		delete(container, attr.Name)
		return nil
	}
	switch {
	case attr.MultiValued && !attr.IsComplex():
		applyScalarList(container, k, attr, v.([]any))
	case attr.MultiValued && k == "replace":
		list := v.([]any)
		container[attr.Name] = list
		enforceSinglePrimary(list, lastPrimary(list))
	case attr.MultiValued:
		addValues(container, attr, v.([]any))
	case attr.IsComplex():
		mergeComplex(container, attr, v.(map[string]any))
	default:
		container[attr.Name] = v
	}
	return nil
}

// applySub applies an operation on "attr.sub" without a value filter: on a
// single-valued complex attribute it sets or removes the sub-attribute; on a
// multi-valued one it does so on every value, creating a value when there is
// none.
func applySub(container map[string]any, k string, target filter.AttrPath, value any) error {
	attr, sub := target.Attribute, *target.Sub
	if k == "remove" {
		value = nil
	}
	v, err := coerce(sub, value, target.String())
	if err != nil {
		return err
	}
	if !attr.MultiValued {
		mergeComplex(container, attr, map[string]any{sub.Name: v})
		return nil
	}
	list := listOf(container[attr.Name])
	if len(list) == 0 {
		if v == nil {
			return nil
		}
		list = []any{map[string]any{}}
	}
	for _, e := range list {
		setSub(e.(map[string]any), sub.Name, v)
	}
	container[attr.Name] = list
	enforceSinglePrimary(list, -1)
	return nil
}

// applyFiltered applies an operation on "attr[filter]" or "attr[filter].sub".
func applyFiltered(container map[string]any, k string, pp filter.PatchPath, value any, hasValue bool) error {
	attr, sub := pp.Target.Attribute, pp.Target.Sub
	name := pp.String()
	list := listOf(container[attr.Name])
	var matched []int
	for i, e := range list {
		if pp.Filter.MatchElement(e.(map[string]any)) {
			matched = append(matched, i)
		}
	}
	var update map[string]any
	switch {
	case k == "remove" && sub == nil:
		list = removeIndices(list, matched)
		storeList(container, attr, list)
		return nil
	case k == "remove":
		for _, i := range matched {
			e := list[i].(map[string]any)
			if hasValue && value != nil && !sameValue(*sub, e[sub.Name], value) {
				continue
			}
			delete(e, sub.Name)
		}
		storeList(container, attr, list)
		return nil
	case sub != nil:
		v, err := coerce(*sub, value, name)
		if err != nil {
			return err
		}
		update = map[string]any{sub.Name: v}
	default:
		m, ok := value.(map[string]any)
		if !ok {
			return errorf(scimerr.InvalidValue, "%s selects values of %s; the value must be an object of its sub-attributes, not %s", name, attr.Name, describe(value))
		}
		var err error
		if update, err = coerceSubAttributes(attr, m, name); err != nil {
			return err
		}
	}
	if len(matched) == 0 {
		if allNil(update) {
			return nil // clearing what does not exist
		}
		if !attr.MultiValued && len(list) > 0 {
			return errorf(scimerr.NoTarget, "%s does not match the current %s; replace %s without a filter", pp.Filter, attr.Name, attr.Name)
		}
		seed, ok := seedFromFilter(pp.Filter.Filter)
		if !ok {
			return errorf(scimerr.NoTarget, "no value of %s matches %s, and the filter does not describe a new value; use only eq comparisons joined by and", attr.Name, pp.Filter)
		}
		list = append(list, seed)
		matched = []int{len(list) - 1}
	}
	winner := -1
	for _, i := range matched {
		e := list[i].(map[string]any)
		for key, v := range update {
			setSub(e, key, v)
		}
		if update["primary"] == true {
			winner = i
		}
	}
	storeList(container, attr, list)
	if attr.MultiValued {
		enforceSinglePrimary(list, winner)
	}
	return nil
}

// seedFromFilter builds a new value from a filter made of eq comparisons
// joined by and: type eq "work" and primary eq true gives
// {"type":"work","primary":true}.
func seedFromFilter(e filter.Expr) (map[string]any, bool) {
	switch n := e.(type) {
	case *filter.Comparison:
		if n.Op != filter.OpEqual || n.Value == nil || n.Attr.Sub == nil {
			return nil, false
		}
		return map[string]any{n.Attr.Sub.Name: n.Value}, true
	case *filter.Logical:
		if n.Op != "and" {
			return nil, false
		}
		left, ok := seedFromFilter(n.Left)
		if !ok {
			return nil, false
		}
		right, ok := seedFromFilter(n.Right)
		if !ok {
			return nil, false
		}
		for k, v := range right {
			left[k] = v
		}
		return left, true
	}
	return nil, false
}

// mergeComplex merges sub-attributes into a single-valued complex attribute;
// nil sub-attribute values remove. When the manager's value changes, the
// $ref and displayName of the previous manager are dropped unless the same
// update sets them.
func mergeComplex(container map[string]any, attr schema.Attribute, update map[string]any) {
	current, _ := container[attr.Name].(map[string]any)
	merged := make(map[string]any, len(current)+len(update))
	for k, v := range current {
		merged[k] = v
	}
	if newValue, ok := update["value"]; ok && attr.Name == "manager" && newValue != current["value"] {
		delete(merged, "$ref")
		delete(merged, "displayName")
	}
	for k, v := range update {
		setSub(merged, k, v)
	}
	if len(merged) == 0 {
		delete(container, attr.Name)
		return
	}
	container[attr.Name] = merged
}

func allNil(m map[string]any) bool {
	for _, v := range m {
		if v != nil {
			return false
		}
	}
	return true
}

func setSub(m map[string]any, key string, v any) {
	if v == nil {
		delete(m, key)
		return
	}
	m[key] = v
}

// addValues appends values to a multi-valued attribute, merging each into
// an existing value that is the same (see sameElement).
func addValues(container map[string]any, attr schema.Attribute, values []any) {
	list := listOf(container[attr.Name])
	winner := -1
	for _, v := range values {
		add := v.(map[string]any)
		idx := -1
		for i, e := range list {
			if sameElement(attr, e.(map[string]any), add) {
				idx = i
				break
			}
		}
		if idx < 0 {
			list = append(list, add)
			idx = len(list) - 1
		} else {
			for k, sv := range add {
				list[idx].(map[string]any)[k] = sv
			}
		}
		if add["primary"] == true {
			winner = idx
		}
	}
	container[attr.Name] = list
	enforceSinglePrimary(list, winner)
}

// removeListed removes the listed values from a multi-valued attribute: an
// element goes when its value equals a listed value (per caseExact), or, for
// attributes without a value sub-attribute, when it has every listed
// sub-attribute.
func removeListed(container map[string]any, attr schema.Attribute, value any, name string) error {
	v, err := coerce(attr, value, name)
	if err != nil || v == nil {
		return err
	}
	list := listOf(container[attr.Name])
	var drop []int
	for i, e := range list {
		for _, r := range v.([]any) {
			if matchesListed(attr, e.(map[string]any), r.(map[string]any)) {
				drop = append(drop, i)
				break
			}
		}
	}
	storeList(container, attr, removeIndices(list, drop))
	return nil
}

func matchesListed(attr schema.Attribute, e, listed map[string]any) bool {
	if valueAttr, ok := attr.SubAttribute("value"); ok {
		if lv, has := listed["value"]; has {
			return sameValue(valueAttr, e["value"], lv)
		}
	}
	for k, lv := range listed {
		sub, _ := attr.SubAttribute(k)
		if !sameValue(sub, e[k], lv) {
			return false
		}
	}
	return len(listed) > 0
}

// sameElement reports whether two values of a multi-valued attribute denote
// the same thing: equal value and type where the attribute has a value
// sub-attribute, else equal in every sub-attribute but primary.
func sameElement(attr schema.Attribute, a, b map[string]any) bool {
	if valueAttr, ok := attr.SubAttribute("value"); ok {
		return sameValue(valueAttr, a["value"], b["value"]) && strings.EqualFold(str(a["type"]), str(b["type"]))
	}
	for _, sub := range attr.SubAttributes {
		if sub.Name != "primary" && !sameValue(sub, a[sub.Name], b[sub.Name]) {
			return false
		}
	}
	return true
}

// sameValue compares two sub-attribute values per the sub-attribute's
// caseExact; a string boolean equals the boolean.
func sameValue(sub schema.Attribute, a, b any) bool {
	if sub.Type == schema.TypeBoolean {
		ab, errA := coerceBool(a, "")
		bb, errB := coerceBool(b, "")
		return errA == nil && errB == nil && ab == bb
	}
	as, bs := str(a), str(b)
	if sub.CaseExact {
		return as == bs
	}
	return strings.EqualFold(as, bs)
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// enforceSinglePrimary leaves at most one value primary: winner if it is a
// valid index, else the first primary value.
func enforceSinglePrimary(list []any, winner int) {
	if winner < 0 || winner >= len(list) {
		winner = -1
		for i, e := range list {
			if e.(map[string]any)["primary"] == true {
				winner = i
				break
			}
		}
	}
	for i, e := range list {
		m := e.(map[string]any)
		if i != winner && m["primary"] == true {
			m["primary"] = false
		}
	}
}

func lastPrimary(list []any) int {
	winner := -1
	for i, e := range list {
		if e.(map[string]any)["primary"] == true {
			winner = i
		}
	}
	return winner
}

// listOf returns an attribute's values as a list of maps: a multi-valued
// attribute's list, or a single complex value as a list of one.
func listOf(v any) []any {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	case map[string]any:
		return []any{x}
	}
	return nil
}

// storeList writes a list back: for a single-valued complex attribute its
// only value, for a multi-valued one the list; an empty list clears.
func storeList(container map[string]any, attr schema.Attribute, list []any) {
	switch {
	case len(list) == 0:
		delete(container, attr.Name)
	case attr.MultiValued:
		container[attr.Name] = list
	default:
		container[attr.Name] = list[0]
	}
}

func removeIndices(list []any, drop []int) []any {
	if len(drop) == 0 {
		return list
	}
	out := make([]any, 0, len(list)-len(drop))
	j := 0
	for i, e := range list {
		if j < len(drop) && drop[j] == i {
			j++
			continue
		}
		out = append(out, e)
	}
	return out
}
