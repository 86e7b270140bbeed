package backendkey_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
)

func TestMemberKeyPrecedence(t *testing.T) {
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "ada", UID: "u-1"},
		Spec:       identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}},
	}
	if got := backendkey.Member(u); got != "team:acme:u-1" {
		t.Errorf("Member of a user with neither annotation nor status = %q, want the UID-derived key", got)
	}
	u.Annotations = map[string]string{identityv1alpha1.AnnotationBackendKey: "team:acme:minted"}
	if got := backendkey.Member(u); got != "team:acme:minted" {
		t.Errorf("Member with the annotation = %q, want the annotation's", got)
	}
	u.Status.MemberKey = "team:acme:older"
	if got := backendkey.Member(u); got != "team:acme:older" {
		t.Errorf("Member with a recorded key = %q, want the recorded key", got)
	}
}

func TestGroupKeyPrecedence(t *testing.T) {
	g := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "eng", UID: "g-1"},
		Spec:       identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}},
	}
	if got := backendkey.Group(g); got != "team:acme:g-1" {
		t.Errorf("Group = %q, want the UID-derived key", got)
	}
	g.Annotations = map[string]string{identityv1alpha1.AnnotationBackendKey: "team:acme:minted"}
	if got := backendkey.Group(g); got != "team:acme:minted" {
		t.Errorf("Group with the annotation = %q", got)
	}
	g.Status.GroupKey = "team:acme:older"
	if got := backendkey.Group(g); got != "team:acme:older" {
		t.Errorf("Group with a recorded key = %q", got)
	}
}

func TestMintedKeysAreNewAndOfTheWorkspace(t *testing.T) {
	a, b := backendkey.Mint("team", "acme"), backendkey.Mint("team", "acme")
	if a == b {
		t.Fatalf("two minted keys are equal: %q", a)
	}
	id, ok := backendkey.ID(a, "team", "acme")
	if !ok || len(id) != 36 || strings.Count(id, "-") != 4 {
		t.Errorf("Mint = %q: want team:acme:<UUID>", a)
	}
}

func TestID(t *testing.T) {
	for _, c := range []struct {
		key, id string
		ok      bool
	}{
		{"team:acme:u-1", "u-1", true},
		{"team:acme2:u-1", "", false},
		{"other:acme:u-1", "", false},
		{"team:acme:", "", true},
	} {
		id, ok := backendkey.ID(c.key, "team", "acme")
		if id != c.id || ok != c.ok {
			t.Errorf("ID(%q) = %q, %v; want %q, %v", c.key, id, ok, c.id, c.ok)
		}
	}
}
