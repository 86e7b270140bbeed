package workspacedomain

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// verification is what the controller, as an approver, decided for a domain.
type verification struct {
	// verified is the Verified condition to write; nil leaves it as it is.
	verified *metav1.Condition
	// challenge is the DNS challenge to publish; nil publishes none.
	challenge *identityv1alpha1.DNSChallenge
	// lookupFailed is set when the last DNS check got no answer.
	lookupFailed bool
	// requeueAfter is when to look again (the next DNS check).
	requeueAfter time.Duration
}

// verificationResult is the Verified condition in force after the
// controller's write, or why the API server refused the write.
type verificationResult struct {
	verified *metav1.Condition
	refusal  string
}

// verifyPreapproved records the declaration of a Preapproved domain: the
// admission policy let it through only for a holder of the approve right.
func (r *Reconciler) verifyPreapproved(domain *identityv1alpha1.WorkspaceDomain) verification {
	c := conditions.True(identityv1alpha1.ConditionVerified, identityv1alpha1.ReasonPreapproved,
		fmt.Sprintf("verified by %s: spec.verification.method is Preapproved, which only a holder of the approve right for %s may declare",
			r.Identity, domain.Name), domain.Generation)
	return verification{verified: &c}
}

// applyVerification server-side applies the Verified condition (with
// approvedBy and approvedAt when it is True) under the verifier's field
// manager, when it differs from what the domain shows. After a write,
// domain.ResourceVersion is the written one.
func (r *Reconciler) applyVerification(ctx context.Context, domain *identityv1alpha1.WorkspaceDomain, v verification) (verificationResult, error) {
	current := meta.FindStatusCondition(domain.Status.Conditions, identityv1alpha1.ConditionVerified)
	desired := v.verified
	if desired == nil {
		return verificationResult{verified: current}, nil
	}
	approving := desired.Status == metav1.ConditionTrue
	if !conditions.Changed(domain.Status.Conditions, *desired) && (!approving || domain.Status.ApprovedBy == r.Identity) {
		return verificationResult{verified: current}, nil
	}
	now := metav1.NewTime(r.now())
	status := ac.WorkspaceDomainStatus().WithConditions(conditions.Apply(domain.Status.Conditions, *desired, now))
	if approving {
		at := now
		if current != nil && current.Status == metav1.ConditionTrue && domain.Status.ApprovedBy == r.Identity && domain.Status.ApprovedAt != nil {
			at = *domain.Status.ApprovedAt
		}
		status.WithApprovedBy(r.Identity).WithApprovedAt(at)
	}
	// The resourceVersion ties the write to the object the decision was made
	// on: a claim deleted and made again under the same name meanwhile is
	// another claim, and must not inherit it.
	apply := ac.WorkspaceDomain(domain.Name).WithResourceVersion(domain.ResourceVersion).WithStatus(status)
	err := r.Status().Apply(ctx, apply, client.FieldOwner(VerifierFieldOwner), client.ForceOwnership)
	if apierrors.IsForbidden(err) || apierrors.IsInvalid(err) {
		log.FromContext(ctx).Error(err, "the API server refused the Verified condition", "reason", desired.Reason)
		return verificationResult{verified: current, refusal: err.Error()}, nil
	}
	if err != nil {
		return verificationResult{}, fmt.Errorf("apply Verified condition of domain %s: %w", domain.Name, err)
	}
	if apply.ResourceVersion != nil {
		domain.ResourceVersion = *apply.ResourceVersion
	}
	if current == nil || current.Status != desired.Status || current.Reason != desired.Reason {
		r.recordTransition(domain, desired)
	}
	return verificationResult{verified: desired}, nil
}

// recordTransition emits an event when the controller changes Verified.
func (r *Reconciler) recordTransition(domain *identityv1alpha1.WorkspaceDomain, verified *metav1.Condition) {
	eventType := corev1.EventTypeNormal
	if verified.Status != metav1.ConditionTrue {
		eventType = corev1.EventTypeWarning
	}
	r.Recorder.Eventf(domain, nil, eventType, verified.Reason, "Verify", "%s", verified.Message)
}
