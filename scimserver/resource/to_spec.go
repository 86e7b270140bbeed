package resource

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// ValueError is an attribute whose value cannot be stored: a SCIM 400
// invalidValue.
type ValueError struct {
	// Attribute is the SCIM path of the value, e.g. "emails[0].primary".
	Attribute string
	// Problem says what is wrong and what would be accepted.
	Problem string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("attribute %s: %s", e.Attribute, e.Problem)
}

// misspeltEnterpriseURN is the enterprise URN without its last colon, as
// Entra's older examples send it.
const misspeltEnterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0user"

// ToSpec reads a canonical (or IdP-flavoured) SCIM User into a
// WorkspaceUserSpec. Attribute names match case-insensitively; null and
// missing are the same; read-only and unkept attributes are ignored. The
// result's WorkspaceRef is empty: the caller sets it.
func ToSpec(res map[string]any) (identityv1alpha1.WorkspaceUserSpec, error) {
	r := &reader{}
	spec := r.spec(res)
	if r.err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, r.err
	}
	if strings.TrimSpace(spec.UserName) == "" {
		return identityv1alpha1.WorkspaceUserSpec{}, &ValueError{Attribute: "userName", Problem: "is required and must not be empty"}
	}
	return spec, nil
}

// reader keeps the first error, so the mapping code reads straight through.
type reader struct {
	err error
}

func (r *reader) fail(attr, format string, args ...any) {
	if r.err == nil {
		r.err = &ValueError{Attribute: attr, Problem: fmt.Sprintf(format, args...)}
	}
}

func (r *reader) spec(res map[string]any) identityv1alpha1.WorkspaceUserSpec {
	var s identityv1alpha1.WorkspaceUserSpec
	enterprise := map[string]any{}
	name := map[string]any{}
	for key, value := range res {
		lower := strings.ToLower(key)
		if rest, ok := strings.CutPrefix(lower, strings.ToLower(schema.URNUser)+":"); ok {
			lower = rest
		}
		switch {
		case lower == strings.ToLower(schema.URNEnterpriseUser) || lower == misspeltEnterpriseURN:
			if m := r.object(key, value); m != nil {
				for k, v := range m {
					enterprise[strings.ToLower(k)] = v
				}
			}
			continue
		case strings.HasPrefix(lower, strings.ToLower(schema.URNEnterpriseUser)+":"):
			enterprise[strings.TrimPrefix(lower, strings.ToLower(schema.URNEnterpriseUser)+":")] = value
			continue
		case strings.HasPrefix(lower, "name."):
			name[strings.TrimPrefix(lower, "name.")] = value
			continue
		}
		switch lower {
		case "username":
			s.UserName = r.str(key, value)
		case "externalid":
			s.ExternalID = r.str(key, value)
		case "active":
			s.Active = r.boolean(key, value)
		case "displayname":
			s.DisplayName = r.str(key, value)
		case "nickname":
			s.NickName = r.str(key, value)
		case "profileurl":
			s.ProfileURL = r.str(key, value)
		case "title":
			s.Title = r.str(key, value)
		case "usertype":
			s.UserType = r.str(key, value)
		case "preferredlanguage":
			s.PreferredLanguage = r.str(key, value)
		case "locale":
			s.Locale = r.str(key, value)
		case "timezone":
			s.Timezone = r.str(key, value)
		case "name":
			if m := r.object(key, value); m != nil {
				for k, v := range m {
					name[strings.ToLower(k)] = v
				}
			}
		case "emails":
			s.Emails = r.emails(value)
		case "phonenumbers":
			s.PhoneNumbers = r.phoneNumbers(value)
		case "addresses":
			s.Addresses = r.addresses(value)
		case "roles":
			s.Roles = r.roles(value)
		}
		// Everything else is read-only (id, meta, schemas, groups) or not kept
		// (password, photos, ims, entitlements, x509Certificates).
	}
	s.Name = r.name(name)
	s.Enterprise = r.enterprise(enterprise)
	return s
}

func (r *reader) name(m map[string]any) *identityv1alpha1.Name {
	n := identityv1alpha1.Name{
		Formatted:       r.str("name.formatted", m["formatted"]),
		FamilyName:      r.str("name.familyName", m["familyname"]),
		GivenName:       r.str("name.givenName", m["givenname"]),
		MiddleName:      r.str("name.middleName", m["middlename"]),
		HonorificPrefix: r.str("name.honorificPrefix", m["honorificprefix"]),
		HonorificSuffix: r.str("name.honorificSuffix", m["honorificsuffix"]),
	}
	if n == (identityv1alpha1.Name{}) {
		return nil
	}
	return &n
}

func (r *reader) enterprise(m map[string]any) *identityv1alpha1.EnterpriseUser {
	e := identityv1alpha1.EnterpriseUser{
		EmployeeNumber: r.str("employeeNumber", m["employeenumber"]),
		CostCenter:     r.str("costCenter", m["costcenter"]),
		Organization:   r.str("organization", m["organization"]),
		Division:       r.str("division", m["division"]),
		Department:     r.str("department", m["department"]),
		Manager:        r.manager(m["manager"]),
	}
	if e == (identityv1alpha1.EnterpriseUser{}) {
		return nil
	}
	return &e
}

// manager accepts the RFC object, a bare id string (Entra) and a one-element
// list (Entra's legacy example). An empty value clears the manager.
func (r *reader) manager(v any) *identityv1alpha1.Manager {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		if t == "" {
			return nil
		}
		return &identityv1alpha1.Manager{Value: t}
	case []any:
		if len(t) == 0 {
			return nil
		}
		return r.manager(t[0])
	case map[string]any:
		m := lowerKeys(t)
		mgr := identityv1alpha1.Manager{
			Value:       r.str("manager.value", m["value"]),
			Ref:         r.str("manager.$ref", first(m["$ref"], m["ref"])),
			DisplayName: r.str("manager.displayName", m["displayname"]),
		}
		if mgr == (identityv1alpha1.Manager{}) {
			return nil
		}
		return &mgr
	default:
		r.fail("manager", "must be an object with a value, or the manager's id as a string; got %s", describe(v))
		return nil
	}
}

func (r *reader) emails(v any) []identityv1alpha1.Email {
	var out []identityv1alpha1.Email
	for i, m := range r.elements("emails", v) {
		attr := fmt.Sprintf("emails[%d]", i)
		e := identityv1alpha1.Email{
			Value:   r.str(attr+".value", m["value"]),
			Type:    r.str(attr+".type", m["type"]),
			Display: r.str(attr+".display", m["display"]),
			Primary: isTrue(r.boolean(attr+".primary", m["primary"])),
		}
		if e.Value != "" {
			out = append(out, e)
		}
	}
	return out
}

func (r *reader) phoneNumbers(v any) []identityv1alpha1.PhoneNumber {
	var out []identityv1alpha1.PhoneNumber
	for i, m := range r.elements("phoneNumbers", v) {
		attr := fmt.Sprintf("phoneNumbers[%d]", i)
		p := identityv1alpha1.PhoneNumber{
			Value:   r.str(attr+".value", m["value"]),
			Type:    r.str(attr+".type", m["type"]),
			Display: r.str(attr+".display", m["display"]),
			Primary: isTrue(r.boolean(attr+".primary", m["primary"])),
		}
		if p.Value != "" {
			out = append(out, p)
		}
	}
	return out
}

func (r *reader) addresses(v any) []identityv1alpha1.Address {
	var out []identityv1alpha1.Address
	for i, m := range r.elements("addresses", v) {
		attr := fmt.Sprintf("addresses[%d]", i)
		a := identityv1alpha1.Address{
			Formatted:     r.str(attr+".formatted", m["formatted"]),
			StreetAddress: r.str(attr+".streetAddress", m["streetaddress"]),
			Locality:      r.str(attr+".locality", m["locality"]),
			Region:        r.str(attr+".region", m["region"]),
			PostalCode:    r.str(attr+".postalCode", m["postalcode"]),
			Country:       r.str(attr+".country", m["country"]),
			Type:          r.str(attr+".type", m["type"]),
			Primary:       isTrue(r.boolean(attr+".primary", m["primary"])),
		}
		if (a != identityv1alpha1.Address{Type: a.Type, Primary: a.Primary}) {
			out = append(out, a)
		}
	}
	return out
}

// roles also unwraps Entra's default PATCH form, where each role is a
// JSON-encoded object inside "value": {"value":"{\"id\":…,\"value\":\"25\",\"displayName\":\"Role1234\"}"}.
func (r *reader) roles(v any) []identityv1alpha1.Role {
	var out []identityv1alpha1.Role
	for i, m := range r.elements("roles", v) {
		attr := fmt.Sprintf("roles[%d]", i)
		role := identityv1alpha1.Role{
			Value:   r.str(attr+".value", m["value"]),
			Type:    r.str(attr+".type", m["type"]),
			Display: r.str(attr+".display", first(m["display"], m["displayname"])),
			Primary: isTrue(r.boolean(attr+".primary", m["primary"])),
		}
		if strings.HasPrefix(strings.TrimSpace(role.Value), "{") {
			var inner map[string]any
			if json.Unmarshal([]byte(role.Value), &inner) == nil {
				in := lowerKeys(inner)
				role.Value = r.str(attr+".value", first(in["value"], in["id"]))
				if role.Display == "" {
					role.Display = r.str(attr+".displayName", first(in["displayname"], in["display"]))
				}
			}
		}
		if role.Value != "" {
			out = append(out, role)
		}
	}
	return out
}

// elements reads a multi-valued attribute: a list of objects; a single object
// or a bare string value is taken as a list of one.
func (r *reader) elements(attr string, v any) []map[string]any {
	var items []any
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		items = t
	default:
		items = []any{t}
	}
	out := make([]map[string]any, 0, len(items))
	for i, item := range items {
		switch t := item.(type) {
		case nil:
		case map[string]any:
			out = append(out, lowerKeys(t))
		case string:
			out = append(out, map[string]any{"value": t})
		default:
			r.fail(fmt.Sprintf("%s[%d]", attr, i), "must be an object; got %s", describe(item))
		}
	}
	return out
}

func (r *reader) object(attr string, v any) map[string]any {
	switch t := v.(type) {
	case nil:
		return nil
	case map[string]any:
		return t
	default:
		r.fail(attr, "must be an object; got %s", describe(v))
		return nil
	}
}

// str reads a string attribute; numbers and booleans are taken in their
// JSON form, null is empty.
func (r *reader) str(attr string, v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	default:
		r.fail(attr, "must be a string; got %s", describe(v))
		return ""
	}
}

// boolean reads a boolean attribute; "True", "false" and the like are
// accepted (Entra sends strings), null and "" are unset.
func (r *reader) boolean(attr string, v any) *bool {
	switch t := v.(type) {
	case nil:
		return nil
	case bool:
		return &t
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "":
			return nil
		case "true":
			b := true
			return &b
		case "false":
			b := false
			return &b
		}
	}
	r.fail(attr, "must be true or false; got %s", describe(v))
	return nil
}

func isTrue(b *bool) bool { return b != nil && *b }

func first(values ...any) any {
	for _, v := range values {
		if v != nil {
			return v
		}
	}
	return nil
}

func lowerKeys(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return fmt.Sprintf("a value of type %T", v)
	}
	return string(b)
}
