package schema

import (
	"fmt"
	"strings"
)

// Known lists the schemas of the User resource, core schema first.
var Known = []Schema{User, EnterpriseUser}

// notStored are core User attributes that Rollcall deliberately does not
// keep; see Ignored.
var notStored = []string{"password", "groups"}

// Ignored reports whether name (a top-level attribute name, optionally
// qualified with the core User URN) is a core User attribute that Rollcall
// does not store: password (a provisioning target never keeps one) and groups
// (read-only in RFC 7643, not part of a WorkspaceUser). Requests may carry
// them; they are dropped without an error.
func Ignored(name string) bool {
	if len(name) > len(URNUser) && strings.EqualFold(name[:len(URNUser)], URNUser) && name[len(URNUser)] == ':' {
		name = name[len(URNUser)+1:]
	}
	for _, n := range notStored {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// ByURN finds a schema of Default by its id (see Set.ByURN).
func ByURN(urn string) (Schema, bool) { return defaultSet.ByURN(urn) }

// Path is an attribute path resolved against the known schemas: a top-level
// attribute and, optionally, one of its sub-attributes.
type Path struct {
	// Schema is the URN of the schema that defines the attribute.
	Schema string
	// Attribute is the top-level attribute.
	Attribute Attribute
	// Sub is the sub-attribute, or nil when the path names the attribute.
	Sub *Attribute
}

// Leaf is the attribute the path ends at: Sub if set, else Attribute.
func (p Path) Leaf() Attribute {
	if p.Sub != nil {
		return *p.Sub
	}
	return p.Attribute
}

// InExtension reports whether the attribute belongs to an extension schema,
// whose attributes a resource nests under the schema URN.
func (p Path) InExtension() bool { return p.Schema != URNUser }

// String is the canonical form of the path: "userName", "name.givenName",
// or for extension attributes the URN-qualified form
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
func (p Path) String() string {
	s := p.Attribute.Name
	if p.Sub != nil {
		s += "." + p.Sub.Name
	}
	if p.InExtension() {
		s = p.Schema + ":" + s
	}
	return s
}

// Container returns the map of resource that holds the path's top-level
// attribute: resource itself for core attributes, the extension object for
// extension attributes. It returns nil when the extension object is absent.
func (p Path) Container(resource map[string]any) map[string]any {
	if !p.InExtension() {
		return resource
	}
	ext, _ := resource[p.Schema].(map[string]any)
	return ext
}

// PathError says why an attribute path cannot be resolved.
type PathError struct {
	// Path is the path as the client wrote it.
	Path string
	// Reason is a sentence for a person.
	Reason string
	// NotStored is true when the path names an attribute that Ignored reports.
	NotStored bool
	// Unknown is true when no schema of the Set has the attribute, or the
	// path's URN names no schema of the Set: what the workspace's
	// unknownAttributes policy decides about. Name is then the attribute
	// as the client wrote it, without a sub-attribute.
	Unknown bool
	// Name is the unknown attribute's name (see Unknown).
	Name string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("attribute path %q: %s", e.Path, e.Reason)
}

// Resolve returns the attribute a path ends at; see ResolvePath.
func Resolve(path string) (Attribute, error) {
	p, err := ResolvePath(path)
	if err != nil {
		return Attribute{}, err
	}
	return p.Leaf(), nil
}

// ResolvePath canonicalises an attribute path ("attr", "attr.sub", each
// optionally prefixed with a known schema URN and ':'), case-insensitively.
// An unqualified name is looked up in the core User schema first and then in
// the enterprise extension, so "manager" and "department" resolve as Entra ID
// sends them. The error is a *PathError.
func ResolvePath(path string) (Path, error) { return defaultSet.ResolvePath(path) }

// ResolvePath resolves an attribute path against the Set's schemas, as
// the package function does against Default's. Unqualified names are
// looked up in the core User, then the enterprise extension, then the
// declared extensions.
func (set *Set) ResolvePath(path string) (Path, error) {
	rest := strings.TrimSpace(path)
	if rest == "" {
		return Path{}, &PathError{Path: path, Reason: "is empty"}
	}
	candidates := set.Known()
	if strings.HasPrefix(strings.ToLower(rest), "urn:") {
		s, attr, ok := set.SplitURN(rest)
		if !ok {
			if _, known := set.ByURN(rest); known {
				return Path{}, &PathError{Path: path, Reason: "names a schema, not an attribute; append ':' and an attribute name"}
			}
			return Path{}, &PathError{Path: path, Reason: "does not start with a known schema URN (" + strings.Join(urns(set.Known()), ", ") + ")",
				Unknown: true, Name: unknownName(rest)}
		}
		candidates, rest = []Schema{s}, attr
	}
	name, subName, hasSub := strings.Cut(rest, ".")
	if hasSub && strings.Contains(subName, ".") {
		return Path{}, &PathError{Path: path, Reason: "has more than one sub-attribute level; SCIM allows attr or attr.subAttr"}
	}
	if Ignored(name) && candidates[0].ID == URNUser {
		return Path{}, &PathError{Path: path, Reason: "is not stored by Rollcall", NotStored: true}
	}
	for _, s := range candidates {
		attr, ok := s.Attribute(name)
		if !ok {
			continue
		}
		p := Path{Schema: s.ID, Attribute: attr}
		if !hasSub {
			return p, nil
		}
		if !attr.IsComplex() {
			return Path{}, &PathError{Path: path, Reason: fmt.Sprintf("%s has no sub-attributes", attr.Name)}
		}
		sub, ok := attr.SubAttribute(subName)
		if !ok {
			return Path{}, &PathError{Path: path, Reason: fmt.Sprintf("%s has no sub-attribute %q (known: %s)", attr.Name, subName, subNames(attr))}
		}
		p.Sub = &sub
		return p, nil
	}
	reason := fmt.Sprintf("unknown attribute %q of the User resource", name)
	if suggestion, ok := closest(candidates, name); ok {
		reason += fmt.Sprintf("; did you mean %q?", suggestion)
	}
	unknown := name
	if candidates[0].ID != URNUser {
		unknown = candidates[0].ID + ":" + name
	}
	return Path{}, &PathError{Path: path, Reason: reason, Unknown: true, Name: unknown}
}

// unknownName is the attribute part of a path qualified with an unknown
// URN: the path up to a value filter or a sub-attribute after the last ':'.
func unknownName(path string) string {
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		if j := strings.IndexByte(path[i:], '.'); j >= 0 {
			path = path[:i+j]
		}
	}
	return path
}

func urns(schemas []Schema) []string {
	out := make([]string, len(schemas))
	for i, s := range schemas {
		out[i] = s.ID
	}
	return out
}

// SplitURN splits a URN-qualified path "<schema id>:<attr>" into a known
// schema and the attribute part, matching the schema id case-insensitively.
// ok is false when s does not start with a known schema id followed by ':'.
func SplitURN(s string) (Schema, string, bool) { return defaultSet.SplitURN(s) }

func subNames(a Attribute) string {
	names := make([]string, len(a.SubAttributes))
	for i, s := range a.SubAttributes {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// closest is the attribute of the schemas whose name is nearest to name:
// its plural, else one at most two edits away (a typo such as "adreses").
func closest(schemas []Schema, name string) (string, bool) {
	best, bestDistance := "", 3
	for _, s := range schemas {
		if plural, ok := s.Attribute(name + "s"); ok {
			return plural.Name, true
		}
		for _, a := range s.Attributes {
			if d := editDistance(strings.ToLower(name), strings.ToLower(a.Name)); d < bestDistance {
				best, bestDistance = a.Name, d
			}
		}
	}
	return best, best != "" && len(name) > 3
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
