package scimserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacedomains,verbs=get;list;watch;create

// checkDomain applies the workspace's unverified-domain policy to a user
// about to be written. The domains are userdomain.AllOfSpec (the e-mail's,
// and the userName's when it is an address), the ones the user controller's
// gate holds the user by, so the two never disagree. Under Hold (the
// default) every user is stored and the user controller holds the
// unverified ones; under Reject a user with any domain not verified for
// this workspace is refused with a detail naming each such domain and what
// the administrator must do. When the workspace allows it, a domain nobody
// has claimed gets an unverified claim for an approver, but only for a user
// the policy lets be stored (Hold): a refused request claims nothing. A
// domain claimed by another workspace is never touched.
func (q *request) checkDomain(ctx context.Context, spec *identityv1alpha1.WorkspaceUserSpec) *scimerr.Error {
	ws := q.ws
	domains := userdomain.AllOfSpec(spec)
	reject := ws.Spec.SCIM.UnverifiedDomains == identityv1alpha1.UnverifiedDomainReject
	if len(domains) == 0 {
		if reject {
			return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue,
				"user %q has no e-mail address (and userName is not one), so its domain cannot be verified; this workspace rejects users whose domain is not verified: send an e-mail address of a verified domain", spec.UserName)
		}
		return nil
	}
	var unverified, unclaimed []string
	for _, domain := range domains {
		claim := &identityv1alpha1.WorkspaceDomain{}
		err := q.client.Get(ctx, types.NamespacedName{Name: domain}, claim)
		switch {
		case err == nil:
			if claim.Spec.WorkspaceRef.Namespace == ws.Namespace && claim.Spec.WorkspaceRef.Name == ws.Name &&
				meta.IsStatusConditionTrue(claim.Status.Conditions, identityv1alpha1.ConditionVerified) {
				continue
			}
		case apierrors.IsNotFound(err):
			unclaimed = append(unclaimed, domain)
		default:
			return fromAPIError("read the WorkspaceDomain of "+domain, err)
		}
		unverified = append(unverified, domain)
	}
	if len(unverified) == 0 {
		return nil
	}
	if reject {
		return rejected(ws, spec.UserName, unverified)
	}
	if ws.Spec.SCIM.ClaimUnknownDomains {
		for _, domain := range unclaimed {
			q.claimDomain(ctx, ws, domain)
		}
	}
	return nil
}

// rejected is the Reject policy's answer, naming each unverified domain
// with the command that verifies it.
func rejected(ws *identityv1alpha1.Workspace, userName string, domains []string) *scimerr.Error {
	quoted := make([]string, len(domains))
	approve := make([]string, len(domains))
	for i, d := range domains {
		quoted[i] = fmt.Sprintf("%q", d)
		approve[i] = "kubectl rollcall domain approve " + d
	}
	if len(domains) == 1 {
		return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue,
			"the domain %s of user %q (of its e-mail or its userName) is not verified for this workspace, and the workspace rejects users from unverified domains. "+
				"An administrator must claim it for workspace %s/%s with a WorkspaceDomain named %s and have it approved "+
				"(%s); the identity provider's next retry then succeeds",
			quoted[0], userName, ws.Namespace, ws.Name, quoted[0], approve[0])
	}
	return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue,
		"the domains %s of user %q (of its e-mail and its userName) are not verified for this workspace, and the workspace rejects users from unverified domains. "+
			"An administrator must claim each for workspace %s/%s with a WorkspaceDomain named after it and have it approved "+
			"(%s); the identity provider's next retry then succeeds",
		strings.Join(quoted, ", "), userName, ws.Namespace, ws.Name, strings.Join(approve, "; "))
}

// maxPendingClaims bounds the claims the SCIM server keeps waiting for an
// approver for one workspace: WorkspaceDomains it created (label
// managedByLabel=managedBySCIMServer) for the workspace whose Verified
// condition is not True. Past it a user of another unknown domain is still
// stored (and held by the user controller) but its domain is not claimed;
// an approver who verifies or deletes pending claims makes room. It keeps
// one workspace's token from reserving domain names cluster-wide without
// bound.
const maxPendingClaims = 20

const (
	managedByLabel      = identityv1alpha1.LabelManagedBy
	managedBySCIMServer = "rollcall-scim-server"
)

// publicMailDomains are domains anyone can get an address in. The SCIM
// server never claims them on its own: a claim would let one workspace's
// users of gmail.com wait for an approval that would let in anyone with a
// gmail.com address, and would reserve the name for that workspace. A
// platform team that really means it creates the WorkspaceDomain by hand.
var publicMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true,
	"outlook.com": true, "hotmail.com": true, "live.com": true, "msn.com": true,
	"yahoo.com": true, "ymail.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true,
	"aol.com":   true,
	"proton.me": true, "protonmail.com": true, "pm.me": true,
	"gmx.com": true, "gmx.de": true, "gmx.net": true, "web.de": true,
	"mail.com": true, "zoho.com": true, "fastmail.com": true,
	"mail.ru": true, "yandex.ru": true, "yandex.com": true,
	"qq.com": true, "163.com": true, "126.com": true,
}

// claimable tells whether the SCIM server may claim domain on its own, and
// if not, why.
func claimable(domain string) (bool, string) {
	switch {
	case publicMailDomains[domain]:
		return false, "it is a public mail domain"
	case !strings.Contains(domain, "."):
		return false, "it is a single label, not a registrable domain"
	}
	return true, ""
}

// claimMu serialises the count and the create of claimDomain within one
// replica, so that concurrent requests cannot each see room under the cap.
// Claims are rare (once per unknown domain), so one lock is enough.
var claimMu sync.Mutex

// claimDomain creates an unverified claim of domain for ws, unless domain
// is a public mail domain or ws already has maxPendingClaims pending claims
// made by the SCIM server. It only ever creates: an existing claim, whoever
// holds it, is left as it is. A failure or a refusal is logged, not
// answered: the user is still stored and held by the user controller.
func (q *request) claimDomain(ctx context.Context, ws *identityv1alpha1.Workspace, domain string) {
	logger := log.FromContext(ctx).WithValues("domain", domain)
	if ok, why := claimable(domain); !ok {
		logger.Info("not claiming an unknown e-mail domain for the workspace: " + why + "; create its WorkspaceDomain by hand if it is meant")
		return
	}
	claimMu.Lock()
	defer claimMu.Unlock()
	pending, err := q.pendingClaims(ctx, ws)
	if err != nil {
		logger.Error(err, "cannot count the workspace's pending domain claims; not claiming")
		return
	}
	if pending >= maxPendingClaims {
		logger.Info("not claiming an unknown e-mail domain for the workspace: it already has the most claims waiting for an approver; "+
			"approve or delete some, or create this WorkspaceDomain by hand", "pending", pending, "max", maxPendingClaims)
		return
	}
	claim := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: domain, Labels: map[string]string{managedByLabel: managedBySCIMServer}},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ws.Namespace, Name: ws.Name},
			Verification: identityv1alpha1.DomainVerification{Method: identityv1alpha1.VerificationManual},
		},
	}
	err = q.client.Create(ctx, claim)
	switch {
	case err == nil:
		logger.Info("claimed an unknown e-mail domain for the workspace; it waits for an approver")
		q.awaitCached(ctx, domain)
	case apierrors.IsAlreadyExists(err):
	default:
		logger.Error(err, "cannot claim e-mail domain")
	}
}

// pendingClaims counts, from the cache, the WorkspaceDomains the SCIM
// server created for ws that are not verified. It lists the claims labelled
// as the SCIM server's, which only a user of an unclaimed domain, in a
// workspace that claims unknown domains, ever costs.
func (q *request) pendingClaims(ctx context.Context, ws *identityv1alpha1.Workspace) (int, error) {
	claims := &identityv1alpha1.WorkspaceDomainList{}
	if err := q.client.List(ctx, claims, client.MatchingLabels{managedByLabel: managedBySCIMServer}); err != nil {
		return 0, fmt.Errorf("list the SCIM server's domain claims: %w", err)
	}
	n := 0
	for i := range claims.Items {
		c := &claims.Items[i]
		if c.Spec.WorkspaceRef.Namespace == ws.Namespace && c.Spec.WorkspaceRef.Name == ws.Name &&
			!meta.IsStatusConditionTrue(c.Status.Conditions, identityv1alpha1.ConditionVerified) {
			n++
		}
	}
	return n, nil
}

// awaitCached waits, briefly, until the cache holds the claim just created,
// so that the next count under claimMu includes it.
func (q *request) awaitCached(ctx context.Context, domain string) {
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 2*time.Second, true, func(ctx context.Context) (bool, error) {
		err := q.client.Get(ctx, types.NamespacedName{Name: domain}, &identityv1alpha1.WorkspaceDomain{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		log.FromContext(ctx).V(1).Info("the new domain claim is not in the cache yet", "domain", domain, "error", err.Error())
	}
}
