// Package letin decides whether a WorkspaceUser is let in: whether its
// group memberships belong in the workspace's member backend. The group
// controller applies the memberships of let-in users and removes the
// others'; the kubectl plugin shows the same verdict for each member of a
// group. The rule reads only what the user controller recorded, so the two
// controllers never disagree on a user for longer than the user controller
// takes to catch up.
package letin

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// State is where a user's group memberships belong.
type State uint8

const (
	// Out means the memberships must not be in the backend (the user is being
	// deleted, is inactive, is held by the user gate, or its member is not
	// in the backend).
	Out State = iota
	// In means the memberships belong in the backend.
	In
	// Unknown means the user was let in before and the user controller has not
	// yet caught up with the user's latest change, or its last call to the
	// backend failed for a transient reason. The memberships in the backend
	// are left as they are: one not there is not added, one there is not
	// removed, so an edit of a person's name does not take them out of
	// their groups for a moment.
	Unknown
)

func (s State) String() string {
	switch s {
	case In:
		return "In"
	case Unknown:
		return "Unknown"
	default:
		return "Out"
	}
}

// Reasons a user is not let in.
const (
	// ReasonDeleting: the user is being deleted.
	ReasonDeleting = "Deleting"
	// ReasonInactive: spec.active is false.
	ReasonInactive = "Inactive"
	// ReasonNotSyncedYet: the user controller has not written the member
	// for the user's current generation yet.
	ReasonNotSyncedYet = "NotSyncedYet"
	// ReasonNoSuchUser: no WorkspaceUser of the group's workspace has the
	// member's SCIM id (for callers that look the user up).
	ReasonNoSuchUser = "NoSuchUser"
)

// Verdict is the state of a user and, unless it is In, why.
type Verdict struct {
	State State
	// Reason is a condition reason: one of the Reason constants above, or
	// the reason of the user's DomainVerified or Synced condition.
	Reason string
	// Message says why in a sentence.
	Message string
}

// transient reports whether a False Synced reason is a failed or delayed
// call rather than a verdict on the member.
func transient(reason string) bool {
	return reason == identityv1alpha1.ReasonBackendUnavailable || reason == identityv1alpha1.ReasonBackendBusy
}

// Of is the verdict on user. A user is In when it is not being deleted, is
// active, and its DomainVerified and Synced conditions are True for its
// current generation (the gate passed and the backend holds its active
// member as the spec describes). It is Unknown when it was written to the
// backend before (status.lastSyncTime) and its conditions are stale for the
// current generation or Synced is False for a transient reason. Anything
// else is Out.
func Of(user *identityv1alpha1.WorkspaceUser) Verdict {
	gen := user.Generation
	if !user.DeletionTimestamp.IsZero() {
		return Verdict{Out, ReasonDeleting, "the user is being deleted"}
	}
	if !user.IsActive() {
		return Verdict{Out, ReasonInactive, "the user is inactive"}
	}
	written := user.Status.LastSyncTime != nil
	domain := meta.FindStatusCondition(user.Status.Conditions, identityv1alpha1.ConditionDomainVerified)
	synced := meta.FindStatusCondition(user.Status.Conditions, identityv1alpha1.ConditionSynced)
	current := func(c *metav1.Condition) bool { return c != nil && c.ObservedGeneration == gen }
	switch {
	case current(domain) && domain.Status != metav1.ConditionTrue:
		return Verdict{Out, domain.Reason, domain.Message}
	case current(domain) && current(synced) && synced.Status == metav1.ConditionTrue:
		return Verdict{State: In}
	case current(synced) && synced.Status != metav1.ConditionTrue && !transient(synced.Reason):
		return Verdict{Out, synced.Reason, synced.Message}
	case written:
		why := fmt.Sprintf("the user controller has not caught up with generation %d of the user yet", gen)
		if current(synced) && synced.Status != metav1.ConditionTrue {
			why = synced.Message
		}
		return Verdict{Unknown, ReasonNotSyncedYet, why}
	case current(synced) && synced.Status != metav1.ConditionTrue:
		return Verdict{Out, synced.Reason, synced.Message}
	default:
		return Verdict{Out, ReasonNotSyncedYet, "the user controller has not written the member to the backend yet"}
	}
}
