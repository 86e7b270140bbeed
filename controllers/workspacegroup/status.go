package workspacegroup

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

// applyStatus server-side applies the status fields this controller owns,
// carrying over those it did not learn this time. A status that would not
// change is not written: a resync that finds the group as it should be
// costs the API server nothing.
func (r *Reconciler) applyStatus(ctx context.Context, group *identityv1alpha1.WorkspaceGroup, st *state) error {
	counts := group.Status.Members
	if st.counts != nil {
		counts = *st.counts
	}
	synced, ready := ownedConditions(group, st, counts)
	if !statusChanged(group, st, counts, synced, ready) {
		return nil
	}
	now := metav1.NewTime(r.now())
	status := ac.WorkspaceGroupStatus().
		WithObservedGeneration(group.Generation).
		WithGroupKey(st.groupKey).
		WithMembers(ac.GroupMemberCounts().WithTotal(counts.Total).WithSynced(counts.Synced).WithPending(counts.Pending))
	if st.lastSync != nil {
		status.WithLastSyncTime(*st.lastSync)
	}
	for _, c := range []*metav1.Condition{synced, ready} {
		if c != nil {
			status.WithConditions(conditions.Apply(group.Status.Conditions, *c, now))
		}
	}
	if err := r.Status().Apply(ctx, ac.WorkspaceGroup(group.Name, group.Namespace).WithStatus(status),
		client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply status of workspacegroup %s/%s: %w", group.Namespace, group.Name, err)
	}
	return nil
}

// ownedConditions are Synced (this reconcile's, else the recorded one) and
// Ready, derived from it: False MembersPending when Synced is True and
// members wait, else as Synced.
func ownedConditions(group *identityv1alpha1.WorkspaceGroup, st *state, counts identityv1alpha1.GroupMemberCounts) (synced, ready *metav1.Condition) {
	synced = st.synced
	if synced == nil {
		synced = meta.FindStatusCondition(group.Status.Conditions, identityv1alpha1.ConditionSynced)
	}
	if synced == nil {
		return nil, nil
	}
	var c metav1.Condition
	switch {
	case synced.Status != metav1.ConditionTrue:
		c = conditions.False(identityv1alpha1.ConditionReady, synced.Reason, synced.Message, group.Generation)
	case counts.Pending > 0:
		why := st.pendingWhy
		if why == "" {
			if old := meta.FindStatusCondition(group.Status.Conditions, identityv1alpha1.ConditionReady); old != nil {
				why = old.Message
			}
		}
		c = conditions.False(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonMembersPending, why, group.Generation)
	default:
		c = conditions.True(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonReconciled, synced.Message, group.Generation)
	}
	return synced, &c
}

// statusChanged reports whether writing st would change the group's status.
func statusChanged(group *identityv1alpha1.WorkspaceGroup, st *state, counts identityv1alpha1.GroupMemberCounts, synced, ready *metav1.Condition) bool {
	s := group.Status
	if s.ObservedGeneration != group.Generation || s.GroupKey != st.groupKey || s.Members != counts || !equalTime(s.LastSyncTime, st.lastSync) {
		return true
	}
	for _, c := range []*metav1.Condition{synced, ready} {
		if c != nil && conditions.Changed(s.Conditions, *c) {
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

// waiting reports whether a False condition with reason is a wait rather
// than a failure.
func waiting(reason string) bool {
	return reason == identityv1alpha1.ReasonBackendBusy || reason == identityv1alpha1.ReasonMembersPending
}

// recordTransitions emits an event for each owned condition whose status or
// reason changed. A first value is no transition unless it is a failure,
// so new groups make no events.
func (r *Reconciler) recordTransitions(group *identityv1alpha1.WorkspaceGroup, st *state) {
	counts := group.Status.Members
	if st.counts != nil {
		counts = *st.counts
	}
	synced, ready := ownedConditions(group, st, counts)
	for _, c := range []*metav1.Condition{synced, ready} {
		if c == nil || (c == synced && st.synced == nil) {
			continue
		}
		old := meta.FindStatusCondition(group.Status.Conditions, c.Type)
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
		if c.Type == identityv1alpha1.ConditionReady && c.Status != metav1.ConditionTrue && !waiting(c.Reason) {
			continue // the Synced event says it
		}
		r.Recorder.Eventf(group, nil, eventType, c.Reason, c.Type, "%s", c.Message)
	}
}
