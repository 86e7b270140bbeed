package resource_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/patch"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

func fullSpec() identityv1alpha1.WorkspaceUserSpec {
	active := false
	return identityv1alpha1.WorkspaceUserSpec{
		UserName:          "ada@example.com",
		ExternalID:        "ada",
		Active:            &active,
		DisplayName:       "Ada Lovelace",
		NickName:          "Ada",
		ProfileURL:        "https://example.com/ada",
		Name:              &identityv1alpha1.Name{Formatted: "Ada Lovelace", FamilyName: "Lovelace", GivenName: "Ada", MiddleName: "B", HonorificPrefix: "Ms.", HonorificSuffix: "III"},
		Title:             "Engineer",
		UserType:          "Employee",
		PreferredLanguage: "en-GB",
		Locale:            "en-GB",
		Timezone:          "Europe/London",
		Emails:            []identityv1alpha1.Email{{Value: "ada@example.com", Type: "work", Primary: true}, {Value: "ada@home.example", Type: "home", Display: "home"}},
		PhoneNumbers:      []identityv1alpha1.PhoneNumber{{Value: "+44 1", Type: "work"}, {Value: "+44 2", Type: "mobile", Primary: true}},
		Addresses:         []identityv1alpha1.Address{{Formatted: "1 St", StreetAddress: "1 St", Locality: "London", Region: "LDN", PostalCode: "N1", Country: "GB", Type: "work", Primary: true}},
		Roles:             []identityv1alpha1.Role{{Value: "Admin", Type: "WindowsAzureActiveDirectoryRole", Primary: true, Display: "Administrator"}},
		Enterprise: &identityv1alpha1.EnterpriseUser{EmployeeNumber: "42", CostCenter: "cc", Organization: "org", Division: "div", Department: "R&D",
			Manager: &identityv1alpha1.Manager{Value: "mgr-id", Ref: "https://scim.example/Users/mgr-id", DisplayName: "Charles"}},
	}
}

func TestRoundTripKeepsEveryAttribute(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Name: "ada", UID: "1234", ResourceVersion: "77", Generation: 3, CreationTimestamp: metav1.NewTime(created),
			Annotations: map[string]string{resource.AnnotationLastModified: "2026-02-03T04:05:06Z"}},
		Spec: fullSpec(),
	}
	res := resource.FromWorkspaceUser(u, "https://scim.example/scim/v2/ns/ws/Users/1234")
	// Through JSON, as on the wire.
	raw, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var wire map[string]any
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatal(err)
	}
	got, err := resource.ToSpec(wire)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fullSpec(), got); diff != "" {
		t.Errorf("round trip lost or changed attributes (-want +got):\n%s", diff)
	}
	meta := wire["meta"].(map[string]any)
	want := map[string]any{"resourceType": "User", "created": "2026-01-02T03:04:05Z", "lastModified": "2026-02-03T04:05:06Z",
		"version": `W/"3"`, "location": "https://scim.example/scim/v2/ns/ws/Users/1234"}
	if diff := cmp.Diff(want, meta); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
	if wire["id"] != "1234" {
		t.Errorf("id = %v, want the UID", wire["id"])
	}
	if diff := cmp.Diff([]any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}, wire["schemas"]); diff != "" {
		t.Errorf("schemas: %s", diff)
	}
}

func TestLastModifiedFallsBackToCreation(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	u := &identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}, Spec: identityv1alpha1.WorkspaceUserSpec{UserName: "x"}}
	res := resource.FromWorkspaceUser(u, "loc")
	if got := res["meta"].(map[string]any)["lastModified"]; got != "2026-01-02T03:04:05Z" {
		t.Errorf("lastModified = %v", got)
	}
	if res["active"] != true {
		t.Errorf("active defaults to true, got %v", res["active"])
	}
}

// decode reads a body as the server does, numbers as json.Number.
func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// specOfBody is what the server does with a POST or PUT body: the dialect
// rules of patch.NormalizeResource, then ToSpec.
func specOfBody(t *testing.T, body string) (identityv1alpha1.WorkspaceUserSpec, error) {
	t.Helper()
	res, err := patch.NormalizeResource(decode(t, body))
	if err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, err
	}
	return resource.ToSpec(res)
}

func ptr[T any](v T) *T { return &v }

// TestIdPBodiesToSpec: what identity providers send reaches the spec.
func TestIdPBodiesToSpec(t *testing.T) {
	tests := []struct {
		name string
		body string
		want identityv1alpha1.WorkspaceUserSpec
	}{{
		name: "Entra's older create with nulls and a misspelt enterprise URN",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
			"externalId":"ext","userName":"u@example.com","active":"True","addresses":null,"phoneNumbers":null,"title":null,"manager":null,
			"meta":{"resourceType":"User","created":"garbage"},"roles":[],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0User":{"department":"Sales","manager":"m-1"}}`,
		want: identityv1alpha1.WorkspaceUserSpec{UserName: "u@example.com", ExternalID: "ext", Active: ptr(true),
			Enterprise: &identityv1alpha1.EnterpriseUser{Department: "Sales", Manager: &identityv1alpha1.Manager{Value: "m-1"}}},
	}, {
		name: "Okta's create: password and groups are ignored",
		body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
			"name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
			"displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}`,
		want: identityv1alpha1.WorkspaceUserSpec{UserName: "test.user@okta.local", ExternalID: "00ujl29u0le5T6Aj10h7", Active: ptr(true),
			DisplayName: "Test User", Locale: "en-US", Name: &identityv1alpha1.Name{GivenName: "Test", FamilyName: "User"},
			Emails: []identityv1alpha1.Email{{Value: "test.user@okta.local", Type: "work", Primary: true}}},
	}, {
		name: "string booleans in lower case, attribute names in any case, manager as a list",
		body: `{"USERNAME":"a","Active":"false","Emails":[{"Value":"a@x.io","Primary":"true"}],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"$ref":null,"value":"m-2"}]}}`,
		want: identityv1alpha1.WorkspaceUserSpec{UserName: "a", Active: ptr(false), Emails: []identityv1alpha1.Email{{Value: "a@x.io", Primary: true}},
			Enterprise: &identityv1alpha1.EnterpriseUser{Manager: &identityv1alpha1.Manager{Value: "m-2"}}},
	}, {
		name: "Entra's string-encoded roles, URN-qualified core and enterprise keys, an emptied e-mail",
		body: `{"userName":"a","roles":[{"value":"{\"id\":\"06b0\",\"value\":\"25\",\"displayName\":\"Role1234\"}"}],
			"urn:ietf:params:scim:schemas:core:2.0:User:title":"Boss","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":7,
			"emails":[{"type":"work","value":""}],"name.givenName":"G"}`,
		want: identityv1alpha1.WorkspaceUserSpec{UserName: "a", Title: "Boss", Roles: []identityv1alpha1.Role{{Value: "25", Display: "Role1234"}},
			Name: &identityv1alpha1.Name{GivenName: "G"}, Enterprise: &identityv1alpha1.EnterpriseUser{EmployeeNumber: "7"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := specOfBody(t, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestBodiesThatCannotBeStored answer invalidValue naming the attribute.
func TestBodiesThatCannotBeStored(t *testing.T) {
	tests := []struct {
		body, attr string
	}{
		{`{"active":true}`, "userName"},
		{`{"userName":"  "}`, "userName"},
		{`{"userName":"a","active":"maybe"}`, "active"},
		{`{"userName":{"x":1}}`, "userName"},
		{`{"userName":"a","emails":[{"value":"a@b.c","primary":"yes"}]}`, "emails.primary"},
		{`{"userName":"a","name":"Ada"}`, "name"},
	}
	for _, tt := range tests {
		_, err := specOfBody(t, tt.body)
		var pe *scimerr.Error
		if !errors.As(err, &pe) || pe.ScimType != scimerr.InvalidValue {
			t.Errorf("%s: want an invalidValue scimerr.Error, got %v", tt.body, err)
			continue
		}
		if !strings.Contains(pe.Detail, tt.attr) {
			t.Errorf("%s: error does not name %q: %v", tt.body, tt.attr, err)
		}
	}
}

// TestNULCannotBeStored: a string with a NUL character is refused naming the
// attribute. The member backend's PostgreSQL stores neither text nor jsonb
// with a NUL, so such a user could be created but never provisioned.
func TestNULCannotBeStored(t *testing.T) {
	tests := []struct {
		body, attr string
	}{
		{`{"userName":"a@example.com\u0000"}`, "userName"},
		{`{"userName":"a","name":{"givenName":"A\u0000da"}}`, "name.givenName"},
		{`{"userName":"a","emails":[{"value":"a@b.c","type":"wo\u0000rk"}]}`, "emails[0].type"},
		{`{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m\u0000"}}`, "manager.value"},
	}
	for _, tt := range tests {
		_, err := specOfBody(t, tt.body)
		var ve *resource.ValueError
		if !errors.As(err, &ve) || ve.Attribute != tt.attr {
			t.Errorf("%s: want a ValueError for %s, got %v", tt.body, tt.attr, err)
		}
	}
}

// TestValueErrorIsAnInvalidValueAnswer: errors.As finds the server's answer
// in a ValueError, 400 invalidValue with the error's message as detail.
func TestValueErrorIsAnInvalidValueAnswer(t *testing.T) {
	var err error = &resource.ValueError{Attribute: "active", Problem: "must be true or false"}
	var se *scimerr.Error
	if !errors.As(fmt.Errorf("read the body: %w", err), &se) {
		t.Fatalf("errors.As found no *scimerr.Error in %v", err)
	}
	if se.Status != 400 || se.ScimType != scimerr.InvalidValue || se.Detail != err.Error() {
		t.Errorf("answer %d %q %q, want 400 invalidValue %q", se.Status, se.ScimType, se.Detail, err.Error())
	}
}
