package patch

import (
	"errors"
	"sort"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/filter"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// Schemas says what a body or PATCH of one workspace may name: the
// workspace's schema Set and what becomes of attributes none of its
// schemas has. The zero Schemas is schema.Default with unknown attributes
// ignored.
type Schemas struct {
	// Set is the workspace's schemas; nil is schema.Default.
	Set *schema.Set
	// RejectUnknown makes an unknown attribute a 400 invalidPath (a POST
	// or PUT body: invalidValue) instead of dropping it.
	RejectUnknown bool
}

// Result is what ApplyIn and NormalizeResourceIn made, beside the resource.
type Result struct {
	// Ignored names the unknown attributes dropped, sorted and without
	// repeats, as the client wrote them ("adreses",
	// "urn:…:acme:2.0:User:costCode").
	Ignored []string
}

// maxIgnoredNames bounds the names one request reports; one name may be at
// most maxIgnoredNameLength bytes (longer ones are cut).
const (
	maxIgnoredNames      = 16
	maxIgnoredNameLength = 200
)

// applier carries a request's Schemas and collects the unknown attributes
// it drops.
type applier struct {
	Schemas
	ignored map[string]bool
}

func newApplier(s Schemas) *applier { return &applier{Schemas: s, ignored: map[string]bool{}} }

// unknown decides about an unknown attribute: nil (dropped and recorded)
// under Ignore, else err, the 400 to answer.
func (a *applier) unknown(name string, err error) error {
	if a.RejectUnknown {
		return err
	}
	if len(name) > maxIgnoredNameLength {
		name = name[:maxIgnoredNameLength]
	}
	if len(a.ignored) < maxIgnoredNames {
		a.ignored[name] = true
	}
	return nil
}

func (a *applier) result() Result {
	var names []string
	for n := range a.ignored {
		names = append(names, n)
	}
	sort.Strings(names)
	return Result{Ignored: names}
}

// parsePath parses a path against the Set. ok is false (with a nil error)
// when the path names an unknown attribute that is ignored.
func (a *applier) parsePath(path string) (pp filter.PatchPath, ok bool, err error) {
	pp, err = filter.ParsePatchPathIn(a.Set, path)
	if err == nil {
		return pp, true, nil
	}
	var pe *schema.PathError
	if errors.As(err, &pe) && pe.Unknown {
		return filter.PatchPath{}, false, a.unknown(pe.Name, invalidPath(err))
	}
	return filter.PatchPath{}, false, invalidPath(err)
}

// undeclaredSchema reports whether key is qualified with a schema URN that
// the Set does not have, such as an extension the workspace does not
// declare.
func (a *applier) undeclaredSchema(key string) bool {
	lower := strings.ToLower(key)
	if !strings.HasPrefix(lower, "urn:") && !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return false
	}
	if _, known := a.Set.ByURN(key); known {
		return false
	}
	_, _, known := a.Set.SplitURN(key)
	return !known
}

// undeclared handles a key qualified with an undeclared schema URN: each
// attribute of an object value is one unknown attribute.
func (a *applier) undeclared(key string, v any) error {
	reject := errorf(scimerr.InvalidPath, "%s is not a schema or attribute of this workspace (declared extensions: %s); declare it in the Workspace's spec.scim.schemaExtensions or set spec.scim.unknownAttributes to Ignore",
		key, orNone(a.Set.DeclaredURNs()))
	if obj, ok := v.(map[string]any); ok && !strings.Contains(key[4:], ":User:") {
		for _, k := range sortedKeys(obj) {
			if err := a.unknown(key+":"+k, reject); err != nil {
				return err
			}
		}
		return nil
	}
	return a.unknown(key, reject)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
