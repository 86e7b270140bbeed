// Package conditions builds server-side-apply configurations for the
// conditions a controller owns, keeping lastTransitionTime when a condition's
// status has not changed. Applying only owned conditions (with listType=map)
// leaves conditions written by others, such as an approver's Verified,
// untouched.
package conditions

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
)

// Apply returns the apply configuration of desired, taking lastTransitionTime
// from the existing condition of the same type when its status is unchanged.
func Apply(existing []metav1.Condition, desired metav1.Condition, now metav1.Time) *metav1ac.ConditionApplyConfiguration {
	transition := now
	if old := meta.FindStatusCondition(existing, desired.Type); old != nil && old.Status == desired.Status {
		transition = old.LastTransitionTime
	}
	return metav1ac.Condition().
		WithType(desired.Type).
		WithStatus(desired.Status).
		WithReason(desired.Reason).
		WithMessage(desired.Message).
		WithObservedGeneration(desired.ObservedGeneration).
		WithLastTransitionTime(transition)
}

// Changed reports whether desired differs from the existing condition of its
// type in status, reason, message or observed generation.
func Changed(existing []metav1.Condition, desired metav1.Condition) bool {
	old := meta.FindStatusCondition(existing, desired.Type)
	return old == nil || old.Status != desired.Status || old.Reason != desired.Reason ||
		old.Message != desired.Message || old.ObservedGeneration != desired.ObservedGeneration
}

// True builds a True condition.
func True(condType, reason, message string, generation int64) metav1.Condition {
	return metav1.Condition{Type: condType, Status: metav1.ConditionTrue, Reason: reason, Message: message, ObservedGeneration: generation}
}

// False builds a False condition.
func False(condType, reason, message string, generation int64) metav1.Condition {
	return metav1.Condition{Type: condType, Status: metav1.ConditionFalse, Reason: reason, Message: message, ObservedGeneration: generation}
}
