package workspaceuser

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// checkDomain is the user gate: the person's domain is verified for the
// workspace when the WorkspaceDomain named after it claims this workspace
// and its Verified condition is True. It returns the DomainVerified condition.
func (r *Reconciler) checkDomain(ctx context.Context, user *identityv1alpha1.WorkspaceUser, domain string) (metav1.Condition, error) {
	gen := user.Generation
	ws := user.Namespace + "/" + user.Spec.WorkspaceRef.Name
	if domain == "" {
		return conditions.False(identityv1alpha1.ConditionDomainVerified, identityv1alpha1.ReasonNoDomain,
			"the user has no e-mail address (emails or an address as userName) to take a domain from, so it is held", gen), nil
	}
	claim := &identityv1alpha1.WorkspaceDomain{}
	if err := r.Get(ctx, types.NamespacedName{Name: domain}, claim); err != nil {
		if !apierrors.IsNotFound(err) {
			return metav1.Condition{}, fmt.Errorf("get WorkspaceDomain %s: %w", domain, err)
		}
		return held(gen, fmt.Sprintf("domain %s is not claimed: the user is held until a WorkspaceDomain %s for workspace %s is created and verified "+
			"(kubectl rollcall domain approve %s)", domain, domain, ws, domain)), nil
	}
	ref := claim.Spec.WorkspaceRef
	if ref.Namespace != user.Namespace || ref.Name != user.Spec.WorkspaceRef.Name {
		return held(gen, fmt.Sprintf("domain %s is claimed by workspace %s/%s, not %s: the user is held", domain, ref.Namespace, ref.Name, ws)), nil
	}
	verified := meta.FindStatusCondition(claim.Status.Conditions, identityv1alpha1.ConditionVerified)
	if verified == nil || verified.Status != metav1.ConditionTrue {
		why := "waits for an approver"
		if verified != nil {
			why = fmt.Sprintf("is not verified (%s: %s)", verified.Reason, clip(verified.Message, quotedMessageMax))
		}
		return held(gen, fmt.Sprintf("domain %s %s: the user is held until it is verified for workspace %s (kubectl rollcall domain approve %s)",
			domain, why, ws, domain)), nil
	}
	return conditions.True(identityv1alpha1.ConditionDomainVerified, identityv1alpha1.ReasonDomainVerified,
		fmt.Sprintf("domain %s is verified for workspace %s", domain, ws), gen), nil
}

// quotedMessageMax bounds how much of an approver's message a user's
// condition quotes, so that the condition (32768 characters at most) and
// its event (1024) stay writable however long the approver wrote.
const quotedMessageMax = 256

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func held(generation int64, message string) metav1.Condition {
	return conditions.False(identityv1alpha1.ConditionDomainVerified, identityv1alpha1.ReasonDomainNotVerified, message, generation)
}
