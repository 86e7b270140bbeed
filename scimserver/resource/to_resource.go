package resource

import (
	"strconv"
	"time"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// AnnotationLastModified is written by the SCIM server on every write of a
// WorkspaceUser: the time of that write, in RFC 3339. It is meta.lastModified;
// a user never written through SCIM reports its creation time.
const AnnotationLastModified = "identity.rollcall.dev/scim-last-modified"

// ResourceTypeUser is meta.resourceType of a User.
const ResourceTypeUser = "User"

// Version is the weak ETag of a user's metadata.generation: meta.version and
// the ETag header. The generation moves only when the spec changes, so a
// write of the status, the finalizers or the labels (none of which is in the
// SCIM User) leaves the version as it was.
func Version(generation int64) string {
	return `W/"` + strconv.FormatInt(generation, 10) + `"`
}

// LastModified is when the user was last written through SCIM, or else created.
func LastModified(u *identityv1alpha1.WorkspaceUser) time.Time {
	if s, ok := u.Annotations[AnnotationLastModified]; ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	return u.CreationTimestamp.Time
}

// FromWorkspaceUser returns the canonical SCIM User of u. The SCIM id is the
// object's UID; location is the absolute URL of the resource. The result
// shares nothing with u.
func FromWorkspaceUser(u *identityv1alpha1.WorkspaceUser, location string) map[string]any {
	return FromWorkspaceUserIn(nil, u, location)
}

// FromWorkspaceUserIn is FromWorkspaceUser for a workspace with the schemas
// of set (nil is schema.Default): the values of its declared extensions are
// served under their URNs.
func FromWorkspaceUserIn(set *schema.Set, u *identityv1alpha1.WorkspaceUser, location string) map[string]any {
	s := &u.Spec
	res := map[string]any{
		"schemas":  []any{schema.URNUser},
		"id":       string(u.UID),
		"userName": s.UserName,
		"active":   u.IsActive(),
		"meta": map[string]any{
			"resourceType": ResourceTypeUser,
			"created":      u.CreationTimestamp.UTC().Format(time.RFC3339),
			"lastModified": LastModified(u).UTC().Format(time.RFC3339),
			"version":      Version(u.Generation),
			"location":     location,
		},
	}
	putString(res, "externalId", s.ExternalID)
	putString(res, "displayName", s.DisplayName)
	putString(res, "nickName", s.NickName)
	putString(res, "profileUrl", s.ProfileURL)
	putString(res, "title", s.Title)
	putString(res, "userType", s.UserType)
	putString(res, "preferredLanguage", s.PreferredLanguage)
	putString(res, "locale", s.Locale)
	putString(res, "timezone", s.Timezone)
	if n := nameResource(s.Name); n != nil {
		res["name"] = n
	}
	putList(res, "emails", s.Emails, func(e identityv1alpha1.Email) map[string]any {
		return element(e.Value, e.Type, e.Display, e.Primary)
	})
	putList(res, "phoneNumbers", s.PhoneNumbers, func(p identityv1alpha1.PhoneNumber) map[string]any {
		return element(p.Value, p.Type, p.Display, p.Primary)
	})
	putList(res, "addresses", s.Addresses, func(a identityv1alpha1.Address) map[string]any {
		m := map[string]any{}
		putString(m, "formatted", a.Formatted)
		putString(m, "streetAddress", a.StreetAddress)
		putString(m, "locality", a.Locality)
		putString(m, "region", a.Region)
		putString(m, "postalCode", a.PostalCode)
		putString(m, "country", a.Country)
		putString(m, "type", a.Type)
		if a.Primary {
			m["primary"] = true
		}
		return m
	})
	putList(res, "roles", s.Roles, func(r identityv1alpha1.Role) map[string]any {
		return element(r.Value, r.Type, r.Display, r.Primary)
	})
	if ext := enterpriseResource(s.Enterprise); ext != nil {
		res["schemas"] = []any{schema.URNUser, schema.URNEnterpriseUser}
		res[schema.URNEnterpriseUser] = ext
	}
	extensionResources(set, res, s.Extensions)
	return res
}

func nameResource(n *identityv1alpha1.Name) map[string]any {
	if n == nil {
		return nil
	}
	m := map[string]any{}
	putString(m, "formatted", n.Formatted)
	putString(m, "familyName", n.FamilyName)
	putString(m, "givenName", n.GivenName)
	putString(m, "middleName", n.MiddleName)
	putString(m, "honorificPrefix", n.HonorificPrefix)
	putString(m, "honorificSuffix", n.HonorificSuffix)
	if len(m) == 0 {
		return nil
	}
	return m
}

func enterpriseResource(e *identityv1alpha1.EnterpriseUser) map[string]any {
	if e == nil {
		return nil
	}
	m := map[string]any{}
	putString(m, "employeeNumber", e.EmployeeNumber)
	putString(m, "costCenter", e.CostCenter)
	putString(m, "organization", e.Organization)
	putString(m, "division", e.Division)
	putString(m, "department", e.Department)
	if e.Manager != nil && (e.Manager.Value != "" || e.Manager.Ref != "" || e.Manager.DisplayName != "") {
		mgr := map[string]any{}
		putString(mgr, "value", e.Manager.Value)
		putString(mgr, "$ref", e.Manager.Ref)
		putString(mgr, "displayName", e.Manager.DisplayName)
		m["manager"] = mgr
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func element(value, typ, display string, primary bool) map[string]any {
	m := map[string]any{"value": value}
	putString(m, "type", typ)
	putString(m, "display", display)
	if primary {
		m["primary"] = true
	}
	return m
}

// putList sets key to the elements of a multi-valued attribute, or leaves
// it out when there are none.
func putList[T any](m map[string]any, key string, items []T, element func(T) map[string]any) {
	if len(items) == 0 {
		return
	}
	list := make([]any, 0, len(items))
	for _, item := range items {
		list = append(list, element(item))
	}
	m[key] = list
}

func putString(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}
