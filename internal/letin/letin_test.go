package letin_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/letin"
)

func cond(t string, s metav1.ConditionStatus, reason string, gen int64) metav1.Condition {
	return metav1.Condition{Type: t, Status: s, Reason: reason, Message: reason + " message", ObservedGeneration: gen}
}

func user(gen int64, written bool, conds ...metav1.Condition) *identityv1alpha1.WorkspaceUser {
	u := &identityv1alpha1.WorkspaceUser{ObjectMeta: metav1.ObjectMeta{Generation: gen}}
	u.Status.Conditions = conds
	if written {
		now := metav1.Now()
		u.Status.LastSyncTime = &now
	}
	return u
}

func TestOf(t *testing.T) {
	dvTrue := cond(identityv1alpha1.ConditionDomainVerified, metav1.ConditionTrue, identityv1alpha1.ReasonDomainVerified, 2)
	syncedTrue := cond(identityv1alpha1.ConditionSynced, metav1.ConditionTrue, identityv1alpha1.ReasonReconciled, 2)
	inactive := false
	deleting := user(2, true, dvTrue, syncedTrue)
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	off := user(2, true, dvTrue, syncedTrue)
	off.Spec.Active = &inactive
	for _, tc := range []struct {
		name   string
		user   *identityv1alpha1.WorkspaceUser
		state  letin.State
		reason string
	}{
		{"synced at its generation", user(2, true, dvTrue, syncedTrue), letin.In, ""},
		{"being deleted", deleting, letin.Out, letin.ReasonDeleting},
		{"inactive", off, letin.Out, letin.ReasonInactive},
		{"held by the gate", user(2, false, cond(identityv1alpha1.ConditionDomainVerified, metav1.ConditionFalse, identityv1alpha1.ReasonDomainNotVerified, 2),
			cond(identityv1alpha1.ConditionSynced, metav1.ConditionFalse, identityv1alpha1.ReasonDomainNotVerified, 2)), letin.Out, identityv1alpha1.ReasonDomainNotVerified},
		{"domain revoked after a sync", user(2, true, cond(identityv1alpha1.ConditionDomainVerified, metav1.ConditionFalse, identityv1alpha1.ReasonDomainNotVerified, 2), syncedTrue),
			letin.Out, identityv1alpha1.ReasonDomainNotVerified},
		{"new, not reconciled", user(1, false), letin.Out, letin.ReasonNotSyncedYet},
		{"edited, user controller behind", user(3, true, dvTrue, syncedTrue), letin.Unknown, letin.ReasonNotSyncedYet},
		{"backend down after a sync", user(2, true, dvTrue, cond(identityv1alpha1.ConditionSynced, metav1.ConditionFalse, identityv1alpha1.ReasonBackendUnavailable, 2)),
			letin.Unknown, letin.ReasonNotSyncedYet},
		{"backend down before any sync", user(2, false, dvTrue, cond(identityv1alpha1.ConditionSynced, metav1.ConditionFalse, identityv1alpha1.ReasonBackendUnavailable, 2)),
			letin.Out, identityv1alpha1.ReasonBackendUnavailable},
		{"member rejected", user(2, true, dvTrue, cond(identityv1alpha1.ConditionSynced, metav1.ConditionFalse, identityv1alpha1.ReasonMemberRejected, 2)),
			letin.Out, identityv1alpha1.ReasonMemberRejected},
	} {
		got := letin.Of(tc.user)
		if got.State != tc.state || got.Reason != tc.reason {
			t.Errorf("%s: got %s %q (%s), want %s %q", tc.name, got.State, got.Reason, got.Message, tc.state, tc.reason)
		}
	}
}
