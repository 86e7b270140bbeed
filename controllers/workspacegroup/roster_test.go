package workspacegroup

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/letin"
)

// userAt is a user whose conditions are True for generation synced, at
// generation gen.
func userAt(gen, synced int64, written bool) *identityv1alpha1.WorkspaceUser {
	u := &identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "ada", UID: "uid-ada", Generation: gen},
		Spec: identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}}}
	if written {
		now := metav1.NewTime(time.Now())
		u.Status.LastSyncTime = &now
	}
	u.Status.Conditions = []metav1.Condition{
		{Type: identityv1alpha1.ConditionDomainVerified, Status: metav1.ConditionTrue, ObservedGeneration: synced},
		{Type: identityv1alpha1.ConditionSynced, Status: metav1.ConditionTrue, ObservedGeneration: synced}}
	return u
}

func TestRosterQueuesGroupsOnlyWhenALetInStateSettlesOtherwise(t *testing.T) {
	var r roster
	inactive := false
	off := userAt(3, 3, true)
	off.Spec.Active = &inactive
	steps := []struct {
		name  string
		user  *identityv1alpha1.WorkspaceUser
		state letin.State
		moved bool
	}{
		{"created, not synced", userAt(1, 0, false), letin.Out, false},
		{"synced: let in", userAt(1, 1, true), letin.In, true},
		{"edited, user controller behind", userAt(2, 1, true), letin.Unknown, false},
		{"synced again", userAt(2, 2, true), letin.In, false},
		{"deactivated", off, letin.Out, true},
		{"reactivated, behind", userAt(4, 3, true), letin.Unknown, false},
		{"reactivated, synced", userAt(4, 4, true), letin.In, true},
	}
	for _, s := range steps {
		old, existed, now := r.set(s.user)
		if now.state != s.state {
			t.Errorf("%s: state %s, want %s", s.name, now.state, s.state)
		}
		if got := moved(old, existed, now); got != s.moved {
			t.Errorf("%s: moved = %v, want %v", s.name, got, s.moved)
		}
	}
	if old, existed := r.remove("uid-ada"); !existed || old.state != letin.In {
		t.Errorf("remove: %+v %v", old, existed)
	}
}
