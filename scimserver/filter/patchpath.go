package filter

import "github.com/rollcall-dev/rollcall/scimserver/schema"

// PatchPath is the path of a PATCH operation (RFC 7644 §3.5.2):
// "attr", "attr.sub", "attr[filter]" or "attr[filter].sub", each optionally
// URN-qualified.
type PatchPath struct {
	// Target is the attribute the operation changes. With a Filter it names
	// the filtered attribute and, for "attr[filter].sub", the sub-attribute.
	Target AttrPath
	// Filter selects the values of Target.Attribute the operation applies
	// to, or is nil.
	Filter *ValueFilter
}

// String renders the path canonically.
func (p PatchPath) String() string {
	if p.Filter == nil {
		return p.Target.String()
	}
	s := p.Filter.String()
	if p.Target.Sub != nil {
		s += "." + p.Target.Sub.Name
	}
	return s
}

// ParsePatchPath parses the path of a PATCH operation. The error is an
// *Error; a server answers it with 400 and scimType invalidPath.
func ParsePatchPath(path string) (PatchPath, error) { return ParsePatchPathIn(nil, path) }

// ParsePatchPathIn parses a PATCH path against the schemas of set (nil is
// schema.Default).
func ParsePatchPathIn(set *schema.Set, path string) (PatchPath, error) {
	p, err := newParser(set, path)
	if err != nil {
		return PatchPath{}, err
	}
	name := p.next()
	if name.kind != tokWord {
		return PatchPath{}, p.errorf(name, "a path starts with an attribute name, found %s", name.describe())
	}
	target, err := p.resolve(name, nil)
	if err != nil {
		return PatchPath{}, err
	}
	out := PatchPath{Target: target}
	if p.peek().kind == tokLBracket {
		vf, err := p.parseValueFilter(target, 0)
		if err != nil {
			return PatchPath{}, err
		}
		out.Filter = vf
		out.Target = vf.Attr
		if sub := p.peek(); sub.kind == tokSubAttr {
			p.next()
			s, ok := vf.Attr.Attribute.SubAttribute(sub.text)
			if !ok {
				return PatchPath{}, p.errorf(sub, "%s has no sub-attribute %q (known: %s)", vf.Attr, sub.text, subAttributeNames(vf.Attr.Attribute))
			}
			out.Target.Sub = &s
		}
	}
	if t := p.peek(); t.kind != tokEOF {
		return PatchPath{}, p.errorf(t, "unexpected %s after the path", t.describe())
	}
	return out, nil
}
