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

// readUser reads a POST or PUT body the way the SCIM server does: JSON with
// numbers kept as written, the identity providers' dialect, then the spec.
func readUser(body []byte) (identityv1alpha1.WorkspaceUserSpec, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return identityv1alpha1.WorkspaceUserSpec{}, scimerr.New(400, scimerr.InvalidSyntax, "not a JSON object")
	}
	res, err := patch.NormalizeResource(m)
	if err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, err
	}
	return resource.ToSpec(res)
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
		answered, err := json.Marshal(resource.FromWorkspaceUser(u, "https://scim.example/Users/x"))
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
	active := true
	stored := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Name: "u", Namespace: "ns", UID: "0c9c7c1e-7d1f-4f5e-9b1a-3f1e2d3c4b5a", Generation: 3},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			UserName: "ada@example.com", Active: &active, ExternalID: "e1",
			Name:   &identityv1alpha1.Name{GivenName: "Ada", FamilyName: "Lovelace"},
			Emails: []identityv1alpha1.Email{{Value: "ada@example.com", Type: "work", Primary: true}},
			Enterprise: &identityv1alpha1.EnterpriseUser{Department: "R&D",
				Manager: &identityv1alpha1.Manager{Value: "m1"}},
		},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := patch.DecodeRequest(body)
		if err != nil {
			requireSCIMError(t, body, err)
			return
		}
		res := resource.FromWorkspaceUser(stored, "https://scim.example/Users/x")
		before, _ := json.Marshal(res)
		patched, err := patch.Apply(res, req.Operations)
		if after, _ := json.Marshal(res); !bytes.Equal(after, before) {
			t.Fatalf("Apply changed the stored user's representation: %s", after)
		}
		if err != nil {
			requireSCIMError(t, body, err)
			return
		}
		if _, err := resource.ToSpec(patched); err != nil {
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
