package schema

import (
	"sort"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// Set is the schemas of one workspace's User: the core User, the
// enterprise extension and the workspace's declared schema extensions
// (Workspace spec.scim.schemaExtensions). Paths, filters, PATCH and bodies
// are resolved against a Set. A nil *Set is Default.
type Set struct {
	schemas []Schema
	// declared are the workspace's own extensions (not enterprise).
	declared []Schema
}

var defaultSet = &Set{schemas: []Schema{User, EnterpriseUser}}

// Default is the Set of a workspace that declares no extension.
func Default() *Set { return defaultSet }

// NewSet is the Set of a workspace with the given declared extensions.
// Extensions whose URN is that of the core User or the enterprise
// extension, or repeats an earlier one, are skipped (the CRD refuses them).
func NewSet(extensions []identityv1alpha1.SchemaExtension) *Set {
	if len(extensions) == 0 {
		return defaultSet
	}
	s := &Set{schemas: []Schema{User, EnterpriseUser}}
	for _, ext := range extensions {
		if _, taken := s.ByURN(ext.URN); taken || strings.HasPrefix(strings.ToLower(ext.URN), strings.ToLower(URNUser)) {
			continue
		}
		sch := extensionSchema(ext)
		s.schemas = append(s.schemas, sch)
		s.declared = append(s.declared, sch)
	}
	return s
}

func (s *Set) orDefault() *Set {
	if s == nil {
		return defaultSet
	}
	return s
}

// extensionSchema turns a declaration into a Schema of simple attributes.
func extensionSchema(ext identityv1alpha1.SchemaExtension) Schema {
	name := ext.Name
	if name == "" {
		parts := strings.Split(ext.URN, ":")
		name = parts[len(parts)-1]
		if len(parts) >= 3 && strings.EqualFold(name, "User") {
			name = parts[len(parts)-3]
		}
	}
	description := ext.Description
	if description == "" {
		description = "A schema extension of the User declared by the workspace."
	}
	sch := Schema{ID: ext.URN, Name: name, Description: description, Required: ext.Required}
	for _, a := range ext.Attributes {
		t := Type(a.Type)
		if t == "" {
			t = TypeString
		}
		attr := typed(t, a.Name, a.Description)
		if attr.Description == "" {
			attr.Description = "An attribute of " + ext.URN + "."
		}
		attr.MultiValued = a.MultiValued
		attr.Required = a.Required
		attr.CaseExact = a.CaseExact
		if t == TypeReference {
			attr.ReferenceTypes = []string{"external"}
		}
		sch.Attributes = append(sch.Attributes, attr)
	}
	return sch
}

// Known returns the Set's schemas: User, enterprise, then the declared ones.
func (s *Set) Known() []Schema { return s.orDefault().schemas }

// Declared returns the workspace's own extensions, in declaration order.
func (s *Set) Declared() []Schema { return s.orDefault().declared }

// IsDeclared reports whether urn is one of the workspace's own extensions.
func (s *Set) IsDeclared(urn string) bool {
	for _, d := range s.Declared() {
		if strings.EqualFold(d.ID, urn) {
			return true
		}
	}
	return false
}

// ByURN finds a schema of the Set by its URN, case-insensitively. The
// misspelt enterprise URN Entra ID has sent is the enterprise extension.
func (s *Set) ByURN(urn string) (Schema, bool) {
	if strings.EqualFold(urn, URNEnterpriseUserMisspelt) {
		urn = URNEnterpriseUser
	}
	for _, sch := range s.Known() {
		if strings.EqualFold(sch.ID, urn) {
			return sch, true
		}
	}
	return Schema{}, false
}

// SplitURN splits "<schema URN>:<attribute path>" for a schema of the Set.
// The longest matching URN wins, so one extension's URN may extend another's.
func (s *Set) SplitURN(str string) (Schema, string, bool) {
	var best Schema
	found := false
	for _, known := range s.Known() {
		n := len(known.ID)
		if len(str) > n+1 && strings.EqualFold(str[:n], known.ID) && str[n] == ':' && (!found || n > len(best.ID)) {
			best, found = known, true
		}
	}
	if !found {
		return Schema{}, "", false
	}
	return best, str[len(best.ID)+1:], true
}

// Schemas returns the /Schemas representations of the Set, for a server
// whose Tenant URL is baseURL.
func (s *Set) Schemas(baseURL string) []Representation {
	known := s.Known()
	out := make([]Representation, len(known))
	for i, sch := range known {
		out[i] = sch.Representation(baseURL)
	}
	return out
}

// UserResourceType is /ResourceTypes/User for the Set: its
// schemaExtensions name the enterprise extension and the declared ones.
func (s *Set) UserResourceType(baseURL string) ResourceTypeRepresentation {
	r := UserResourceType(baseURL)
	for _, d := range s.Declared() {
		r.SchemaExtensions = append(r.SchemaExtensions, ExtensionRef{Schema: d.ID, Required: d.Required})
	}
	return r
}

// DeclaredURNs returns the declared extensions' URNs, sorted.
func (s *Set) DeclaredURNs() []string {
	var out []string
	for _, d := range s.Declared() {
		out = append(out, d.ID)
	}
	sort.Strings(out)
	return out
}
