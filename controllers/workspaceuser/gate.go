package workspaceuser

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

// checkDomain is the user gate: every domain the gate checks
// (userdomain.All: the e-mail's, and the userName's when it is an address)
// is verified for the workspace, that is the WorkspaceDomain named after it
// claims this workspace and its Verified condition is True. It returns the
// DomainVerified condition, which names each domain that is not verified
// and the command that verifies it. The recorded form (status.domain) is
// not read: the domains are taken from the user itself.
func (r *Reconciler) checkDomain(ctx context.Context, user *identityv1alpha1.WorkspaceUser, _ string) (metav1.Condition, error) {
	gen := user.Generation
	ws := user.Namespace + "/" + user.Spec.WorkspaceRef.Name
	domains := userdomain.All(user)
	if len(domains) == 0 {
		return conditions.False(identityv1alpha1.ConditionDomainVerified, identityv1alpha1.ReasonNoDomain,
			"the user has no e-mail address (emails or an address as userName) to take a domain from, so it is held", gen), nil
	}
	var unverified []string
	for _, domain := range domains {
		why, err := r.unverified(ctx, user, domain)
		if err != nil {
			return metav1.Condition{}, err
		}
		if why != "" {
			unverified = append(unverified, why)
		}
	}
	if len(unverified) > 0 {
		return held(gen, strings.Join(unverified, "; ")), nil
	}
	if len(domains) == 1 {
		return conditions.True(identityv1alpha1.ConditionDomainVerified, identityv1alpha1.ReasonDomainVerified,
			fmt.Sprintf("domain %s is verified for workspace %s", domains[0], ws), gen), nil
	}
	return conditions.True(identityv1alpha1.ConditionDomainVerified, identityv1alpha1.ReasonDomainVerified,
		fmt.Sprintf("domains %s are verified for workspace %s", strings.Join(domains, ", "), ws), gen), nil
}

// unverified says why domain is not verified for the user's workspace, with
// the command that verifies it; "" when it is verified.
func (r *Reconciler) unverified(ctx context.Context, user *identityv1alpha1.WorkspaceUser, domain string) (string, error) {
	ws := user.Namespace + "/" + user.Spec.WorkspaceRef.Name
	claim := &identityv1alpha1.WorkspaceDomain{}
	if err := r.Get(ctx, types.NamespacedName{Name: domain}, claim); err != nil {
		if !apierrors.IsNotFound(err) {
			return "", fmt.Errorf("get WorkspaceDomain %s: %w", domain, err)
		}
		return fmt.Sprintf("domain %s is not claimed: the user is held until a WorkspaceDomain %s for workspace %s is created and verified "+
			"(kubectl rollcall domain approve %s)", domain, domain, ws, domain), nil
	}
	ref := claim.Spec.WorkspaceRef
	if ref.Namespace != user.Namespace || ref.Name != user.Spec.WorkspaceRef.Name {
		return fmt.Sprintf("domain %s is claimed by workspace %s/%s, not %s: the user is held", domain, ref.Namespace, ref.Name, ws), nil
	}
	verified := meta.FindStatusCondition(claim.Status.Conditions, identityv1alpha1.ConditionVerified)
	if verified != nil && verified.Status == metav1.ConditionTrue {
		return "", nil
	}
	why := "waits for an approver"
	if verified != nil {
		why = fmt.Sprintf("is not verified (%s: %s)", verified.Reason, clip(verified.Message, quotedMessageMax))
	}
	return fmt.Sprintf("domain %s %s: the user is held until it is verified for workspace %s (kubectl rollcall domain approve %s)",
		domain, why, ws, domain), nil
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
