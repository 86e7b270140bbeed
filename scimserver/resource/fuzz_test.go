package resource_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/patch"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// goldenBodies are the request bodies of the golden identity-provider
// exchanges (scimserver/testdata) whose method is one of methods.
func goldenBodies(f *testing.F, methods ...string) [][]byte {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden exchanges under ../testdata: %v", err)
	}
	var out [][]byte
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var golden struct {
			Steps []struct {
				Method string          `json:"method"`
				Body   json.RawMessage `json:"body"`
			} `json:"steps"`
		}
		if err := json.Unmarshal(data, &golden); err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		for _, s := range golden.Steps {
			for _, m := range methods {
				if s.Method == m && len(s.Body) > 0 {
					out = append(out, s.Body)
				}
			}
		}
	}
	if len(out) == 0 {
		f.Fatalf("no %v bodies in the golden exchanges", methods)
	}
	return out
}

// fuzzSchemas is a workspace with a declared extension of every type, so
// the fuzz targets reach the extension code.
var fuzzSchemas = patch.Schemas{Set: schema.NewSet([]identityv1alpha1.SchemaExtension{{
	URN: "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
	Attributes: []identityv1alpha1.ExtensionAttribute{
		{Name: "costCode", Type: identityv1alpha1.ExtensionString, CaseExact: true},
		{Name: "badge", Type: identityv1alpha1.ExtensionInteger},
		{Name: "remote", Type: identityv1alpha1.ExtensionBoolean},
		{Name: "hired", Type: identityv1alpha1.ExtensionDateTime},
		{Name: "site", Type: identityv1alpha1.ExtensionReference},
		{Name: "tags", Type: identityv1alpha1.ExtensionString, MultiValued: true},
		{Name: "levels", Type: identityv1alpha1.ExtensionInteger, MultiValued: true},
	},
}})}

// readUser reads a POST or PUT body the way the SCIM server does: JSON with
// numbers kept as written, the identity providers' dialect, then the spec.
func readUser(body []byte) (identityv1alpha1.WorkspaceUserSpec, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return identityv1alpha1.WorkspaceUserSpec{}, scimerr.New(400, scimerr.InvalidSyntax, "not a JSON object")
	}
	res, _, err := patch.NormalizeResourceIn(fuzzSchemas, m)
	if err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, err
	}
	return resource.ToSpecIn(fuzzSchemas.Set, res)
}

// FuzzDecodeUser checks that reading a User body never panics, that a body
// it refuses is refused with a SCIM error (so a 400, never a 500), and that
// a user it accepts reads back the same from what the server answers: the
// SCIM representation of the stored spec decodes to that spec.
func FuzzDecodeUser(f *testing.F) {
	for _, body := range goldenBodies(f, "POST", "PUT") {
		f.Add(body)
	}
	f.Add([]byte(`{"userName":"a","emails":[{"value":"a@x","primary":"True"}],"active":"False"}`))
	f.Add([]byte(`{"USERNAME":"a","name.givenName":"A","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m"}`))
	f.Add([]byte(`{"userName":"a","urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"costCode":"X","badge":"7","remote":"True","hired":"2024-01-01T00:00:00Z","tags":["a","A","b"],"levels":[1,"2",1]},"adreses":[{"x":1}]}`))
	f.Add([]byte(`{"userName":"a","urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge":12,"urn:ietf:params:scim:schemas:extension:other:2.0:User":{"x":1},"emails":[{"value":"a@x","type":"work"},{"value":"A@x","type":"work"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		spec, err := readUser(body)
		if err != nil {
			requireSCIMError(t, body, err)
			return
		}
		u := &identityv1alpha1.WorkspaceUser{
			ObjectMeta: metav1.ObjectMeta{Name: "u", Namespace: "ns", UID: "0c9c7c1e-7d1f-4f5e-9b1a-3f1e2d3c4b5a", Generation: 1},
			Spec:       spec,
		}
		answered, err := json.Marshal(resource.FromWorkspaceUserIn(fuzzSchemas.Set, u, "https://scim.example/Users/x"))
		if err != nil {
			t.Fatalf("encode the answer: %v", err)
		}
		again, err := readUser(answered)
		if err != nil {
			t.Fatalf("the server's own answer %s does not decode: %v", answered, err)
		}
		if spec.Active == nil {
			// Omitted means active (the CRD's default), and is answered so.
			active := true
			spec.Active = &active
		}
		if !reflect.DeepEqual(again, spec) {
			t.Fatalf("round trip changed the user:\nbody   %s\nspec   %+v\nanswer %s\nagain  %+v", body, spec, answered, again)
		}
	})
}

// FuzzPatchUser drives the whole PATCH path of the SCIM server on a stored
// user: the PatchOp body, the operations with the identity providers'
// dialect, then the spec. It never panics, refuses only with SCIM errors
// (a 400, never a 500), and never changes the stored user's representation
// it patched.
func FuzzPatchUser(f *testing.F) {
	for _, body := range goldenBodies(f, "PATCH") {
		f.Add(body)
	}
	f.Add([]byte(`{"Operations":[{"op":"Remove","path":"emails[value eq \"a@x\"]"}]}`))
	f.Add([]byte(`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:acme:2.0:User:tags","value":["c","a"]},{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:acme:2.0:User:levels","value":[1]},{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge":"9","nosuch":1}}]}`))
	active := true
	stored := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Name: "u", Namespace: "ns", UID: "0c9c7c1e-7d1f-4f5e-9b1a-3f1e2d3c4b5a", Generation: 3},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			UserName: "ada@example.com", Active: &active, ExternalID: "e1",
			Name:   &identityv1alpha1.Name{GivenName: "Ada", FamilyName: "Lovelace"},
			Emails: []identityv1alpha1.Email{{Value: "ada@example.com", Type: "work", Primary: true}},
			Enterprise: &identityv1alpha1.EnterpriseUser{Department: "R&D",
				Manager: &identityv1alpha1.Manager{Value: "m1"}},
			Extensions: map[string]identityv1alpha1.ExtensionValues{"urn:ietf:params:scim:schemas:extension:acme:2.0:User": {
				"tags": {Raw: []byte(`["a","b"]`)}, "levels": {Raw: []byte(`[1,2]`)}, "badge": {Raw: []byte(`3`)}}},
		},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := patch.DecodeRequest(body)
		if err != nil {
			requireSCIMError(t, body, err)
			return
		}
		res := resource.FromWorkspaceUserIn(fuzzSchemas.Set, stored, "https://scim.example/Users/x")
		before, _ := json.Marshal(res)
		patched, _, err := patch.ApplyIn(fuzzSchemas, res, req.Operations)
		if after, _ := json.Marshal(res); !bytes.Equal(after, before) {
			t.Fatalf("Apply changed the stored user's representation: %s", after)
		}
		if err != nil {
			requireSCIMError(t, body, err)
			return
		}
		if _, err := resource.ToSpecIn(fuzzSchemas.Set, patched); err != nil {
			requireSCIMError(t, body, err)
		}
	})
}

func requireSCIMError(t *testing.T, body []byte, err error) {
	t.Helper()
	var e *scimerr.Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error %T is not a SCIM error: %v", body, err, err)
	}
}
