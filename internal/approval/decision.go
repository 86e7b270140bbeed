package approval

import (
	"fmt"
	"regexp"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// Decision is one of the three things an approver can say about a domain.
type Decision struct {
	verb   string // approve, deny, revoke
	done   string // approved, denied, revoked
	status metav1.ConditionStatus
	reason string // the default reason of the Verified condition
}

var (
	// Approve verifies a domain: Verified=True, reason Approved.
	Approve = Decision{verb: "approve", done: "approved", status: metav1.ConditionTrue, reason: identityv1alpha1.ReasonApproved}
	// Deny refuses a domain that is not approved: Verified=False, reason Denied.
	Deny = Decision{verb: "deny", done: "denied", status: metav1.ConditionFalse, reason: identityv1alpha1.ReasonDenied}
	// Revoke withdraws an approval: Verified=False, reason Revoked.
	Revoke = Decision{verb: "revoke", done: "revoked", status: metav1.ConditionFalse, reason: identityv1alpha1.ReasonRevoked}
)

// reasonPattern is what metav1.Condition accepts as a reason.
var reasonPattern = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)

// condition checks that the decision makes sense for the domain as it is
// and returns the Verified condition to write, its message naming user.
func (d Decision) condition(domain *identityv1alpha1.WorkspaceDomain, user string, in Options) (metav1.Condition, error) {
	if err := d.check(domain, in.Force); err != nil {
		return metav1.Condition{}, err
	}
	reason := in.Reason
	if reason == "" {
		reason = d.reason
	}
	if len(reason) > 1024 || !reasonPattern.MatchString(reason) {
		return metav1.Condition{}, fmt.Errorf("--reason %q is not a condition reason: use CamelCase letters, e.g. %s", reason, d.reason)
	}
	message := fmt.Sprintf("%s by %s with kubectl rollcall", d.done, user)
	if in.Message != "" {
		message = fmt.Sprintf("%s by %s: %s", d.done, user, in.Message)
	}
	return metav1.Condition{
		Type:               identityv1alpha1.ConditionVerified,
		Status:             d.status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: domain.Generation,
	}, nil
}

// check refuses decisions that would overwrite another one by mistake.
func (d Decision) check(domain *identityv1alpha1.WorkspaceDomain, force bool) error {
	method := domain.Spec.Verification.Method
	if method != "" && method != identityv1alpha1.VerificationManual {
		return fmt.Errorf("domain %s has verification method %s: the domain controller decides it, not a person; "+
			"set spec.verification.method to Manual to decide by hand", domain.Name, method)
	}
	current := meta.FindStatusCondition(domain.Status.Conditions, identityv1alpha1.ConditionVerified)
	approved := current != nil && current.Status == metav1.ConditionTrue
	switch d.verb {
	case "approve":
		if approved && !force {
			return fmt.Errorf("domain %s is already approved (%s); use --force to approve it again", domain.Name, describe(domain, current))
		}
	case "deny":
		if approved {
			return fmt.Errorf("domain %s is approved (%s); use \"kubectl rollcall domain revoke %s\" to withdraw the approval",
				domain.Name, describe(domain, current), domain.Name)
		}
		if current != nil && current.Reason == identityv1alpha1.ReasonDenied && !force {
			return fmt.Errorf("domain %s is already denied (%s); use --force to deny it again", domain.Name, current.Message)
		}
	case "revoke":
		if !approved {
			return fmt.Errorf("domain %s is not approved, so there is nothing to revoke%s", domain.Name, describeFalse(current))
		}
	}
	return nil
}

func describe(domain *identityv1alpha1.WorkspaceDomain, c *metav1.Condition) string {
	s := "reason " + c.Reason
	if domain.Status.ApprovedBy != "" {
		s += ", by " + domain.Status.ApprovedBy
	}
	if at := domain.Status.ApprovedAt; at != nil {
		s += " at " + at.UTC().Format("2006-01-02T15:04:05Z")
	}
	return s
}

func describeFalse(c *metav1.Condition) string {
	if c == nil {
		return " (it waits for an approver)"
	}
	return fmt.Sprintf(" (Verified=%s, reason %s)", c.Status, c.Reason)
}
