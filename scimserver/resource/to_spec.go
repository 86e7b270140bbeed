package resource

import (
	"encoding/json"
	"fmt"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// ValueError is an attribute whose value cannot be stored: a SCIM 400
// invalidValue. errors.As finds that answer in it as a *scimerr.Error.
type ValueError struct {
	// Attribute is the SCIM path of the value, e.g. "emails[0].primary".
	Attribute string
	// Problem says what is wrong and what would be accepted.
	Problem string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("attribute %s: %s", e.Attribute, e.Problem)
}

// As sets target, a **scimerr.Error, to the answer to e: 400 invalidValue
// with e's message as the detail.
func (e *ValueError) As(target any) bool {
	t, ok := target.(**scimerr.Error)
	if ok {
		*t = scimerr.BadRequest(scimerr.InvalidValue, "%s", e.Error())
	}
	return ok
}

// ToSpec reads a canonical SCIM User into a WorkspaceUserSpec: the form
// patch.NormalizeResource makes of a POST or PUT body and patch.Apply makes
// of a patched user, with canonical attribute names, booleans as booleans,
// the manager as an object and the enterprise extension under its URN. The
// identity providers' dialect is handled there, not here. id, meta and
// schemas are ignored. Elements of multi-valued attributes without a value
// are left out. The result's WorkspaceRef is empty: the caller sets it.
func ToSpec(res map[string]any) (identityv1alpha1.WorkspaceUserSpec, error) {
	return ToSpecIn(nil, res)
}

// ToSpecIn is ToSpec for a workspace with the schemas of set (nil is
// schema.Default): the declared extensions' values go to spec.extensions.
func ToSpecIn(set *schema.Set, res map[string]any) (identityv1alpha1.WorkspaceUserSpec, error) {
	r := &reader{}
	spec := r.spec(res)
	spec.Extensions = r.extensions(set, res)
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
	return identityv1alpha1.WorkspaceUserSpec{
		UserName:          r.str("userName", res["userName"]),
		ExternalID:        r.str("externalId", res["externalId"]),
		Active:            r.boolean("active", res["active"]),
		DisplayName:       r.str("displayName", res["displayName"]),
		NickName:          r.str("nickName", res["nickName"]),
		ProfileURL:        r.str("profileUrl", res["profileUrl"]),
		Title:             r.str("title", res["title"]),
		UserType:          r.str("userType", res["userType"]),
		PreferredLanguage: r.str("preferredLanguage", res["preferredLanguage"]),
		Locale:            r.str("locale", res["locale"]),
		Timezone:          r.str("timezone", res["timezone"]),
		Name:              r.name(r.object("name", res["name"])),
		Emails:            valueElements(r, "emails", res["emails"], email),
		PhoneNumbers:      valueElements(r, "phoneNumbers", res["phoneNumbers"], phoneNumber),
		Addresses:         r.addresses(res["addresses"]),
		Roles:             valueElements(r, "roles", res["roles"], role),
		Enterprise:        r.enterprise(r.object(schema.URNEnterpriseUser, res[schema.URNEnterpriseUser])),
	}
}

func (r *reader) name(m map[string]any) *identityv1alpha1.Name {
	n := identityv1alpha1.Name{
		Formatted:       r.str("name.formatted", m["formatted"]),
		FamilyName:      r.str("name.familyName", m["familyName"]),
		GivenName:       r.str("name.givenName", m["givenName"]),
		MiddleName:      r.str("name.middleName", m["middleName"]),
		HonorificPrefix: r.str("name.honorificPrefix", m["honorificPrefix"]),
		HonorificSuffix: r.str("name.honorificSuffix", m["honorificSuffix"]),
	}
	if n == (identityv1alpha1.Name{}) {
		return nil
	}
	return &n
}

func (r *reader) enterprise(m map[string]any) *identityv1alpha1.EnterpriseUser {
	e := identityv1alpha1.EnterpriseUser{
		EmployeeNumber: r.str("employeeNumber", m["employeeNumber"]),
		CostCenter:     r.str("costCenter", m["costCenter"]),
		Organization:   r.str("organization", m["organization"]),
		Division:       r.str("division", m["division"]),
		Department:     r.str("department", m["department"]),
		Manager:        r.manager(r.object("manager", m["manager"])),
	}
	if e == (identityv1alpha1.EnterpriseUser{}) {
		return nil
	}
	return &e
}

func (r *reader) manager(m map[string]any) *identityv1alpha1.Manager {
	mgr := identityv1alpha1.Manager{
		Value:       r.str("manager.value", m["value"]),
		Ref:         r.str("manager.$ref", m["$ref"]),
		DisplayName: r.str("manager.displayName", m["displayName"]),
	}
	if mgr == (identityv1alpha1.Manager{}) {
		return nil
	}
	return &mgr
}

// valueElements reads a multi-valued attribute whose elements are value,
// type, display and primary (emails, phoneNumbers, roles); elements without
// a value are left out.
func valueElements[T any](r *reader, attr string, v any, build func(value, typ, display string, primary bool) T) []T {
	var out []T
	for i, m := range r.elements(attr, v) {
		at := fmt.Sprintf("%s[%d]", attr, i)
		value := r.str(at+".value", m["value"])
		typ := r.str(at+".type", m["type"])
		display := r.str(at+".display", m["display"])
		primary := isTrue(r.boolean(at+".primary", m["primary"]))
		if value != "" {
			out = append(out, build(value, typ, display, primary))
		}
	}
	return out
}

func email(value, typ, display string, primary bool) identityv1alpha1.Email {
	return identityv1alpha1.Email{Value: value, Type: typ, Display: display, Primary: primary}
}

func phoneNumber(value, typ, display string, primary bool) identityv1alpha1.PhoneNumber {
	return identityv1alpha1.PhoneNumber{Value: value, Type: typ, Display: display, Primary: primary}
}

func role(value, typ, display string, primary bool) identityv1alpha1.Role {
	return identityv1alpha1.Role{Value: value, Type: typ, Display: display, Primary: primary}
}

func (r *reader) addresses(v any) []identityv1alpha1.Address {
	var out []identityv1alpha1.Address
	for i, m := range r.elements("addresses", v) {
		attr := fmt.Sprintf("addresses[%d]", i)
		a := identityv1alpha1.Address{
			Formatted:     r.str(attr+".formatted", m["formatted"]),
			StreetAddress: r.str(attr+".streetAddress", m["streetAddress"]),
			Locality:      r.str(attr+".locality", m["locality"]),
			Region:        r.str(attr+".region", m["region"]),
			PostalCode:    r.str(attr+".postalCode", m["postalCode"]),
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

// elements reads a multi-valued attribute: a list of objects.
func (r *reader) elements(attr string, v any) []map[string]any {
	if v == nil {
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		r.fail(attr, "must be a list of objects; got %s", describe(v))
		return nil
	}
	out := make([]map[string]any, 0, len(items))
	for i, item := range items {
		if m := r.object(fmt.Sprintf("%s[%d]", attr, i), item); m != nil {
			out = append(out, m)
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

func (r *reader) str(attr string, v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		if strings.ContainsRune(t, 0) {
			// PostgreSQL keeps no NUL in text or jsonb: the member could never be written.
			r.fail(attr, "must not contain a NUL character (\\u0000)")
			return ""
		}
		return t
	default:
		r.fail(attr, "must be a string; got %s", describe(v))
		return ""
	}
}

func (r *reader) boolean(attr string, v any) *bool {
	switch t := v.(type) {
	case nil:
		return nil
	case bool:
		return &t
	default:
		r.fail(attr, "must be true or false; got %s", describe(v))
		return nil
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil || len(b) > 80 {
		return fmt.Sprintf("a value of type %T", v)
	}
	return string(b)
}
