package conditions

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestApplyKeepsTransitionTimeWhileStatusHolds(t *testing.T) {
	earlier := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	now := metav1.NewTime(earlier.Add(time.Hour))
	existing := []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "A", LastTransitionTime: earlier}}

	same := Apply(existing, True("Ready", "B", "still fine", 2), now)
	if !same.LastTransitionTime.Equal(&earlier) {
		t.Errorf("unchanged status: lastTransitionTime = %v, want %v", same.LastTransitionTime, earlier)
	}
	if *same.Reason != "B" || *same.ObservedGeneration != 2 {
		t.Errorf("reason/generation not taken from desired: %q %d", *same.Reason, *same.ObservedGeneration)
	}

	flipped := Apply(existing, False("Ready", "C", "broken", 2), now)
	if !flipped.LastTransitionTime.Equal(&now) {
		t.Errorf("changed status: lastTransitionTime = %v, want %v", flipped.LastTransitionTime, now)
	}

	fresh := Apply(nil, True("Synced", "D", "", 1), now)
	if !fresh.LastTransitionTime.Equal(&now) {
		t.Errorf("new condition: lastTransitionTime = %v, want %v", fresh.LastTransitionTime, now)
	}
}

func TestChanged(t *testing.T) {
	existing := []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "A", Message: "m", ObservedGeneration: 1}}
	if Changed(existing, True("Ready", "A", "m", 1)) {
		t.Error("identical condition reported as changed")
	}
	for _, c := range []metav1.Condition{True("Ready", "B", "m", 1), True("Ready", "A", "n", 1), True("Ready", "A", "m", 2), False("Ready", "A", "m", 1), True("Other", "A", "m", 1)} {
		if !Changed(existing, c) {
			t.Errorf("%+v not reported as changed", c)
		}
	}
}
