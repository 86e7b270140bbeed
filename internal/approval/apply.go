package approval

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

// DefaultFieldManager is the field manager of decisions made with the
// kubectl plugin.
const DefaultFieldManager = "kubectl-rollcall"

// Options tunes a decision.
type Options struct {
	// Reason replaces the decision's reason (Approved, Denied, Revoked); it
	// must be CamelCase, as condition reasons are.
	Reason string
	// Message says why; the condition's message names the approver either way.
	Message string
	// Force decides again when the domain already has the same decision.
	Force bool
	// FieldManager defaults to DefaultFieldManager.
	FieldManager string
	// Now defaults to time.Now.
	Now func() time.Time
}

// Apply makes decision d about the domain as the user c authenticates as.
// It refuses a decision that would overwrite another by mistake (approving
// an approved domain without Force, denying an approved one, revoking one
// that is not approved, deciding a domain whose method is not Manual) and
// retries from a fresh read when the domain changes meanwhile.
func Apply(ctx context.Context, c client.Client, d Decision, domainName string, opts Options) error {
	if opts.FieldManager == "" {
		opts.FieldManager = DefaultFieldManager
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	user, err := whoami.Username(ctx, c)
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		domain := &identityv1alpha1.WorkspaceDomain{}
		if err := c.Get(ctx, client.ObjectKey{Name: domainName}, domain); err != nil {
			return fmt.Errorf("get domain %s: %w", domainName, err)
		}
		verified, err := d.condition(domain, user, opts)
		if err != nil {
			return err
		}
		at := metav1.NewTime(opts.Now())
		status := ac.WorkspaceDomainStatus().WithConditions(conditions.Apply(domain.Status.Conditions, verified, at))
		if verified.Status == metav1.ConditionTrue {
			status.WithApprovedBy(user).WithApprovedAt(at)
		}
		// The resourceVersion makes the apply conditional on the domain
		// read above, on which the decision was checked.
		apply := ac.WorkspaceDomain(domainName).WithResourceVersion(domain.ResourceVersion).WithStatus(status)
		if err := c.Status().Apply(ctx, apply, client.FieldOwner(opts.FieldManager), client.ForceOwnership); err != nil {
			return fmt.Errorf("%s domain %s: %w", d.verb, domainName, err)
		}
		return nil
	})
}

// Verb is the decision's command word: approve, deny or revoke.
func (d Decision) Verb() string { return d.verb }

// Done is the decision's past participle: approved, denied or revoked.
func (d Decision) Done() string { return d.done }

// DefaultReason is the Verified reason the decision writes unless told otherwise.
func (d Decision) DefaultReason() string { return d.reason }
