package backendkey_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
)

func TestKeys(t *testing.T) {
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "ada", UID: "u-1"},
		Spec:       identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}},
	}
	if got := backendkey.Member(u); got != "team:acme:u-1" {
		t.Errorf("Member = %q", got)
	}
	if got := backendkey.RecordedMember(u); got != "team:acme:u-1" {
		t.Errorf("RecordedMember without a recorded key = %q", got)
	}
	u.Status.MemberKey = "team:acme:older"
	if got := backendkey.RecordedMember(u); got != "team:acme:older" {
		t.Errorf("RecordedMember = %q, want the recorded key", got)
	}
	g := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "eng", UID: "g-1"},
		Spec:       identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}},
	}
	if got := backendkey.Group(g); got != "team:acme:g-1" {
		t.Errorf("Group = %q", got)
	}
}
