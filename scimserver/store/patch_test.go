package store

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

func TestSpecPatch(t *testing.T) {
	base := identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ada-x", UID: "uid-1", Generation: 4, ResourceVersion: "981",
			Finalizers: []string{identityv1alpha1.MemberFinalizer}, Labels: map[string]string{identityv1alpha1.LabelWorkspace: "acme"}},
		Spec: identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}, UserName: "ada@example.com"},
		// The status is never written by the patch.
		Status: identityv1alpha1.WorkspaceUserStatus{ObservedGeneration: 4, MemberKey: "m-1"},
	}
	const lastModified = "identity.rollcall.dev/scim-last-modified"
	preconditions := `{"op":"test","path":"/metadata/uid","value":"uid-1"},
		{"op":"test","path":"/metadata/generation","value":4},
		{"op":"replace","path":"/spec","value":{"workspaceRef":{"name":"acme"},"userName":"ada@example.com","title":"Engineer"}}`
	tests := []struct {
		name     string
		cur, nxt map[string]string // annotations
		want     string
	}{
		{
			name: "annotations exist: the changed one is added under its escaped key",
			cur:  map[string]string{lastModified: "2026-01-01T00:00:00Z", "note": "kept"},
			nxt:  map[string]string{lastModified: "2026-02-02T00:00:00Z", "note": "kept"},
			want: `[` + preconditions + `,
				{"op":"add","path":"/metadata/annotations/identity.rollcall.dev~1scim-last-modified","value":"2026-02-02T00:00:00Z"}]`,
		},
		{
			name: "no annotations: tests there are still none and adds the map",
			nxt:  map[string]string{lastModified: "2026-02-02T00:00:00Z"},
			want: `[` + preconditions + `,
				{"op":"test","path":"/metadata/annotations","value":null},
				{"op":"add","path":"/metadata/annotations","value":{"identity.rollcall.dev/scim-last-modified":"2026-02-02T00:00:00Z"}}]`,
		},
		{
			name: "~ and / in keys, new keys in order, unchanged and removed ones left alone",
			cur:  map[string]string{"same": "v", "gone": "x"},
			nxt:  map[string]string{"same": "v", "b/c~d": "1", "a~/": "2"},
			want: `[` + preconditions + `,
				{"op":"add","path":"/metadata/annotations/a~0~1","value":"2"},
				{"op":"add","path":"/metadata/annotations/b~1c~0d","value":"1"}]`,
		},
		{
			name: "annotations unchanged: spec only",
			cur:  map[string]string{"same": "v"},
			nxt:  map[string]string{"same": "v"},
			want: `[` + preconditions + `]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := base.DeepCopy()
			cur.Annotations = tt.cur
			next := cur.DeepCopy()
			next.Spec.Title = "Engineer"
			next.Annotations = tt.nxt
			data, err := SpecPatch(cur, next)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}

// A patch that the API server refuses with 422 lost a race exactly when
// what it tested no longer holds.
func TestPatchStillApplies(t *testing.T) {
	cur := &identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{UID: "uid-1", Generation: 4, ResourceVersion: "10",
		Annotations: map[string]string{"a": "b"}}}
	tests := []struct {
		name   string
		change func(*identityv1alpha1.WorkspaceUser)
		want   bool
	}{
		{"unchanged", func(*identityv1alpha1.WorkspaceUser) {}, true},
		{"status, finalizer or label written", func(u *identityv1alpha1.WorkspaceUser) {
			u.ResourceVersion = "11"
			u.Finalizers = []string{"x"}
			u.Annotations["other"] = "c"
		}, true},
		{"spec written", func(u *identityv1alpha1.WorkspaceUser) { u.Generation = 5 }, false},
		{"replaced by another object", func(u *identityv1alpha1.WorkspaceUser) { u.UID = "uid-2"; u.Generation = 1 }, false},
		{"annotations removed", func(u *identityv1alpha1.WorkspaceUser) { u.Annotations = nil }, false},
	}
	for _, tt := range tests {
		fresh := cur.DeepCopy()
		tt.change(fresh)
		if got := patchStillApplies(cur, fresh); got != tt.want {
			t.Errorf("%s: patchStillApplies = %v, want %v", tt.name, got, tt.want)
		}
	}
	bare := &identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{UID: "uid-1", Generation: 4}}
	withSome := bare.DeepCopy()
	withSome.Annotations = map[string]string{"a": "b"}
	if patchStillApplies(bare, withSome) {
		t.Error("annotations added to a user that had none: the patch's test of no annotations fails, a race")
	}
}
