package scimserver

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacedomains,verbs=get;list;watch;create

// checkDomain applies the workspace's unverified-domain policy to a user
// about to be written. The domain is userdomain.OfSpec, the one the user
// controller's gate holds the user by, so the two never disagree. Under Hold (the default) every user is stored and the
// user controller holds the unverified ones; under Reject a user whose
// domain is not verified for this workspace is refused with a detail saying
// what the administrator must do. When the workspace allows it, a domain
// nobody has claimed gets an unverified claim for an approver; a domain
// claimed by another workspace is never touched.
func (q *request) checkDomain(ctx context.Context, spec *identityv1alpha1.WorkspaceUserSpec) *scimerr.Error {
	ws := q.ws
	domain := userdomain.OfSpec(spec)
	reject := ws.Spec.SCIM.UnverifiedDomains == identityv1alpha1.UnverifiedDomainReject
	if domain == "" {
		if reject {
			return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue,
				"user %q has no e-mail address (and userName is not one), so its domain cannot be verified; this workspace rejects users whose domain is not verified: send an e-mail address of a verified domain", spec.UserName)
		}
		return nil
	}
	claim := &identityv1alpha1.WorkspaceDomain{}
	err := q.client.Get(ctx, types.NamespacedName{Name: domain}, claim)
	switch {
	case err == nil:
		if claim.Spec.WorkspaceRef.Namespace == ws.Namespace && claim.Spec.WorkspaceRef.Name == ws.Name &&
			meta.IsStatusConditionTrue(claim.Status.Conditions, identityv1alpha1.ConditionVerified) {
			return nil
		}
	case apierrors.IsNotFound(err):
		if ws.Spec.SCIM.ClaimUnknownDomains {
			q.claimDomain(ctx, ws, domain)
		}
	default:
		return fromAPIError("read the WorkspaceDomain of "+domain, err)
	}
	if !reject {
		return nil
	}
	return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue,
		"the e-mail domain %q of user %q is not verified for this workspace, and the workspace rejects users from unverified domains. "+
			"An administrator must claim it for workspace %s/%s with a WorkspaceDomain named %q and have it approved "+
			"(kubectl rollcall domain approve %s); the identity provider's next retry then succeeds",
		domain, spec.UserName, ws.Namespace, ws.Name, domain, domain)
}

// claimDomain creates an unverified claim of domain for ws. It only ever
// creates: an existing claim, whoever holds it, is left as it is. A failure
// is logged, not answered: the user is still handled by the policy.
func (q *request) claimDomain(ctx context.Context, ws *identityv1alpha1.Workspace, domain string) {
	claim := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: domain, Labels: map[string]string{"app.kubernetes.io/managed-by": "rollcall-scim-server"}},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ws.Namespace, Name: ws.Name},
			Verification: identityv1alpha1.DomainVerification{Method: identityv1alpha1.VerificationManual},
		},
	}
	err := q.client.Create(ctx, claim)
	switch {
	case err == nil:
		log.FromContext(ctx).Info("claimed an unknown e-mail domain for the workspace; it waits for an approver", "domain", domain)
	case apierrors.IsAlreadyExists(err):
	default:
		log.FromContext(ctx).Error(err, "cannot claim e-mail domain", "domain", domain)
	}
}
