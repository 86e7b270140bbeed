package workspacedomain

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// applyStatus server-side applies the fields the controller owns: Ready,
// the DNS challenge (absent unless the method is DNS) and the observed
// generation. The Verified condition is not among them.
func (r *Reconciler) applyStatus(ctx context.Context, domain *identityv1alpha1.WorkspaceDomain,
	challenge *identityv1alpha1.DNSChallenge, ready metav1.Condition) error {
	status := ac.WorkspaceDomainStatus().
		WithObservedGeneration(domain.Generation).
		WithConditions(conditions.Apply(domain.Status.Conditions, ready, metav1.NewTime(r.now())))
	if challenge != nil {
		c := ac.DNSChallenge().WithRecordName(challenge.RecordName).WithValue(challenge.Value)
		if challenge.MissingSince != nil {
			c.WithMissingSince(*challenge.MissingSince)
		}
		status.WithDNSChallenge(c)
	}
	// Conditional on the resourceVersion, like the Verified write: the
	// challenge belongs to this claim, not to one made again under its name.
	apply := ac.WorkspaceDomain(domain.Name).WithResourceVersion(domain.ResourceVersion).WithStatus(status)
	if err := r.Status().Apply(ctx, apply, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply status of domain %s: %w", domain.Name, err)
	}
	return nil
}

// readyCondition is True when the claiming workspace exists and the domain
// is verified; otherwise its reason says what the domain waits for. A
// resolver that does not answer shows only while the domain is not verified:
// a verified domain stays verified then.
func (r *Reconciler) readyCondition(domain *identityv1alpha1.WorkspaceDomain, workspaceFound bool,
	result verificationResult, v verification) metav1.Condition {
	gen := domain.Generation
	ref := domain.Spec.WorkspaceRef
	verified := result.verified
	challenge := v.challenge
	switch {
	case !workspaceFound:
		return conditions.False(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonWorkspaceNotFound,
			fmt.Sprintf("workspace %s/%s does not exist", ref.Namespace, ref.Name), gen)
	case result.refusal != "":
		return conditions.False(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonVerificationRefused,
			"the controller may not write the Verified condition: "+result.refusal, gen)
	case v.lookupFailed && (verified == nil || verified.Status != metav1.ConditionTrue):
		return conditions.False(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonDNSLookupFailed, fmt.Sprintf(
			"the DNS server did not answer the question for the TXT record %s; nothing is concluded from that and it is asked again with backoff (the controller's log has the error)",
			challenge.RecordName), gen)
	case verified == nil:
		return conditions.False(identityv1alpha1.ConditionReady, identityv1alpha1.ReasonPendingApproval, pendingMessage(domain), gen)
	case verified.Status != metav1.ConditionTrue:
		return conditions.False(identityv1alpha1.ConditionReady, verified.Reason, verified.Message, gen)
	case challenge != nil && challenge.MissingSince != nil:
		return conditions.True(identityv1alpha1.ConditionReady, verified.Reason, fmt.Sprintf(
			"verified, but the TXT record %s has been missing since %s: the verification is revoked at %s unless it comes back",
			challenge.RecordName, challenge.MissingSince.UTC().Format(time.RFC3339),
			challenge.MissingSince.Add(r.DNS.GracePeriod).UTC().Format(time.RFC3339)), gen)
	default:
		return conditions.True(identityv1alpha1.ConditionReady, verified.Reason, verified.Message, gen)
	}
}

func pendingMessage(domain *identityv1alpha1.WorkspaceDomain) string {
	switch domain.Spec.Verification.Method {
	case identityv1alpha1.VerificationDNS:
		return "waiting for the first check of the DNS challenge record"
	case identityv1alpha1.VerificationPreapproved:
		return "waiting for the controller to record the pre-approval"
	default:
		return "waiting for an approver: kubectl rollcall domain approve " + domain.Name
	}
}
