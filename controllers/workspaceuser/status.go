package workspaceuser

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// applyStatus server-side applies the status fields this controller owns.
// Fields it owns but did not learn this time are carried over, since an
// apply without them would remove them. A status that would not change is
// not written: a resync that finds everything as it should be costs the API
// server nothing.
func (r *Reconciler) applyStatus(ctx context.Context, user *identityv1alpha1.WorkspaceUser, st *state) error {
	owned := ownedConditions(user, st)
	if !statusChanged(user, st, owned) {
		return nil
	}
	now := metav1.NewTime(r.now())
	status := ac.WorkspaceUserStatus().WithObservedGeneration(user.Generation)
	if st.domain != "" {
		status.WithDomain(st.domain)
	}
	if st.memberKey != "" {
		status.WithMemberKey(st.memberKey)
	}
	if st.lastSync != nil {
		status.WithLastSyncTime(*st.lastSync)
	}
	for _, c := range owned {
		if c != nil {
			status.WithConditions(conditions.Apply(user.Status.Conditions, *c, now))
		}
	}
	if err := r.Status().Apply(ctx, ac.WorkspaceUser(user.Name, user.Namespace).WithStatus(status),
		client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply status of workspaceuser %s/%s: %w", user.Namespace, user.Name, err)
	}
	return nil
}

// ownedConditions are the conditions the status write sets, in the order
// DomainVerified, Synced, Ready; nil where there is none. One this reconcile
// did not learn is carried over from the user's status.
func ownedConditions(user *identityv1alpha1.WorkspaceUser, st *state) [3]*metav1.Condition {
	domainVerified := st.domainVerified
	if domainVerified == nil {
		domainVerified = meta.FindStatusCondition(user.Status.Conditions, identityv1alpha1.ConditionDomainVerified)
	}
	synced := st.synced
	if synced == nil {
		synced = meta.FindStatusCondition(user.Status.Conditions, identityv1alpha1.ConditionSynced)
	}
	return [3]*metav1.Condition{domainVerified, synced, readyOf(user.Generation, domainVerified, synced)}
}

// statusChanged reports whether writing st would change the user's status.
func statusChanged(user *identityv1alpha1.WorkspaceUser, st *state, owned [3]*metav1.Condition) bool {
	s := user.Status
	if s.ObservedGeneration != user.Generation || s.Domain != st.domain || s.MemberKey != st.memberKey ||
		!equalTime(s.LastSyncTime, st.lastSync) {
		return true
	}
	for i, condType := range []string{identityv1alpha1.ConditionDomainVerified, identityv1alpha1.ConditionSynced, identityv1alpha1.ConditionReady} {
		if c := owned[i]; c == nil {
			if meta.FindStatusCondition(s.Conditions, condType) != nil {
				return true // the write would remove it
			}
		} else if conditions.Changed(s.Conditions, *c) {
			return true
		}
	}
	return false
}

func equalTime(a, b *metav1.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}

// readyOf is True when the domain is verified and the member is synced;
// otherwise False with the first reason that stands in the way.
func readyOf(generation int64, domainVerified, synced *metav1.Condition) *metav1.Condition {
	var c metav1.Condition
	switch {
	case domainVerified != nil && domainVerified.Status != metav1.ConditionTrue:
		c = conditions.False(identityv1alpha1.ConditionReady, domainVerified.Reason, domainVerified.Message, generation)
	case synced != nil && synced.Status != metav1.ConditionTrue:
		c = conditions.False(identityv1alpha1.ConditionReady, synced.Reason, synced.Message, generation)
	case domainVerified != nil && synced != nil:
		c = conditions.True(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonReconciled, synced.Message, generation)
	default:
		return nil
	}
	return &c
}

// waiting reports whether a False condition with reason is a wait rather
// than a failure: a domain to verify, or a turn in a busy workspace (a
// stalled backend shows as BackendUnavailable once a call of it times out).
func waiting(reason string) bool {
	return reason == identityv1alpha1.ReasonDomainNotVerified || reason == identityv1alpha1.ReasonNoDomain ||
		reason == identityv1alpha1.ReasonBackendBusy
}

// recordTransitions emits an event for each owned condition whose status or
// reason changed: events on transitions only. A condition's first value is
// no transition unless it is a failure: a user provisioned at once, or held
// as its domain is not verified yet, says so in its status, and 10,000 new
// users make no 20,000 events.
func (r *Reconciler) recordTransitions(user *identityv1alpha1.WorkspaceUser, st *state) {
	for _, c := range []*metav1.Condition{st.domainVerified, st.synced} {
		if c == nil {
			continue
		}
		old := meta.FindStatusCondition(user.Status.Conditions, c.Type)
		if old != nil && old.Status == c.Status && old.Reason == c.Reason {
			continue
		}
		eventType := corev1.EventTypeNormal
		if c.Status != metav1.ConditionTrue && !waiting(c.Reason) {
			eventType = corev1.EventTypeWarning
		}
		if old == nil && eventType == corev1.EventTypeNormal {
			continue
		}
		if c.Type == identityv1alpha1.ConditionDomainVerified && c.Status != metav1.ConditionTrue && old != nil && old.Status == metav1.ConditionTrue {
			eventType = corev1.EventTypeWarning // a verification was withdrawn
		}
		r.Recorder.Eventf(user, nil, eventType, c.Reason, c.Type, "%s", c.Message)
	}
}
