package scimserver

import (
	"encoding/json"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/scimserver/patch"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// TestGroupPatchMemberSemantics: what each PATCH shape of the identity
// providers does to members {a, b}.
func TestGroupPatchMemberSemantics(t *testing.T) {
	cur := &identityv1alpha1.WorkspaceGroup{ObjectMeta: metav1.ObjectMeta{UID: "g1"},
		Spec: identityv1alpha1.WorkspaceGroupSpec{DisplayName: "G"}}
	members := store.Members{Shards: groupmembers.Shards{"": {"a", "b"}}}
	for _, tt := range []struct {
		name, ops   string
		want        []string
		displayName string
		scimType    string
	}{
		{"Entra Add", `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"c"}]}]`, []string{"a", "b", "c"}, "G", ""},
		{"Entra Remove with a value list removes those", `[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"a"}]}]`, []string{"b"}, "G", ""},
		{"remove without a value removes all", `[{"op":"remove","path":"members"}]`, nil, "G", ""},
		{"remove with value null removes none", `[{"op":"remove","path":"members","value":null}]`, []string{"a", "b"}, "G", ""},
		{"filtered remove", `[{"op":"remove","path":"members[value eq \"b\"]"}]`, []string{"a"}, "G", ""},
		{"replace", `[{"op":"replace","path":"members","value":[{"value":"c"},{"value":"a"}]}]`, []string{"a", "c"}, "G", ""},
		{"remove then add, in order", `[{"op":"remove","path":"members[value eq \"a\"]"},{"op":"add","path":"members","value":[{"value":"a"},{"value":"d","display":"D"}]}]`, []string{"a", "b", "d"}, "G", ""},
		{"remove all then add", `[{"op":"Remove","path":"members"},{"op":"Add","path":"members","value":[{"value":"e"}]}]`, []string{"e"}, "G", ""},
		{"Okta rename with its id", `[{"op":"replace","value":{"id":"g1","displayName":"H"}}]`, []string{"a", "b"}, "H", ""},
		{"path-less replace of members", `[{"op":"replace","value":{"members":[{"value":"z"}]}}]`, []string{"z"}, "G", ""},
		{"an id that is not the group's", `[{"op":"replace","value":{"id":"g2","displayName":"H"}}]`, nil, "", "mutability"},
		{"a nested group", `[{"op":"add","path":"members","value":[{"value":"g2","type":"Group"}]}]`, nil, "", "invalidValue"},
		{"remove without a path", `[{"op":"remove"}]`, nil, "", "noTarget"},
		{"an unknown path", `[{"op":"add","path":"owners","value":"x"}]`, nil, "", "invalidPath"},
		{"removing displayName", `[{"op":"remove","path":"displayName"}]`, nil, "", "invalidValue"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ops []patch.Operation
			if err := json.Unmarshal([]byte(tt.ops), &ops); err != nil {
				t.Fatal(err)
			}
			up, e := groupPatch(cur, ops)
			if tt.scimType != "" {
				if e == nil || e.ScimType != tt.scimType {
					t.Fatalf("error %v, want scimType %s", e, tt.scimType)
				}
				return
			}
			if e != nil {
				t.Fatal(e)
			}
			if up.spec.DisplayName != tt.displayName {
				t.Errorf("displayName %q, want %q", up.spec.DisplayName, tt.displayName)
			}
			got := members.Shards
			if up.members != nil {
				add, remove := up.members(members)
				next := groupmembers.Shards{}
				for _, w := range groupmembers.Plan(members.Shards, add, remove, 5000) {
					next[w.Prefix] = w.Members
				}
				if len(next) > 0 {
					got = next
				}
			}
			if m := got.Members(); !slices.Equal(m, tt.want) && (len(m) != 0 || len(tt.want) != 0) {
				t.Errorf("members %v, want %v", m, tt.want)
			}
		})
	}
}
