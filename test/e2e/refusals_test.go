package e2e

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/approval"
)

// expectForbidden fails unless err is the API server's 403 for what.
func expectForbidden(t *testing.T, id identity, what string, err error) {
	t.Helper()
	var status apierrors.APIStatus
	switch {
	case err == nil:
		t.Errorf("%s could %s", id.username(), what)
	case !errors.As(err, &status) || status.Status().Code != http.StatusForbidden:
		t.Errorf("%s %s: want 403 Forbidden, got %v", id.username(), what, err)
	default:
		t.Logf("%s may not %s: %s", id.username(), what, status.Status().Message)
	}
}

// expectSCIMRefusals: the SCIM server faces the internet, so DESIGN keeps
// it from the workspace's Secrets (the member store's credentials, the
// token itself), from verifying domains and from removing workspaces.
func expectSCIMRefusals(t *testing.T, scim identity, ws *identityv1alpha1.Workspace, domainName string) {
	ctx := context.Background()
	// What it does need, it has: the refusals below are RBAC's answer,
	// not an identity the API server does not know.
	ws = ws.DeepCopy()
	if err := scim.Client.Get(ctx, client.ObjectKeyFromObject(ws), ws); err != nil {
		t.Fatalf("%s cannot read the workspace it serves: %v", scim.username(), err)
	}
	for _, name := range []string{ws.Spec.Backend.SQL.DSNSecretRef.Name, ws.Status.TokenSecretName} {
		if name == "" {
			t.Fatalf("workspace %s/%s names no token Secret", ws.Namespace, ws.Name)
		}
		err := scim.Client.Get(ctx, client.ObjectKey{Namespace: ws.Namespace, Name: name}, &corev1.Secret{})
		expectForbidden(t, scim, "get Secret "+ws.Namespace+"/"+name, err)
	}
	verified := ac.WorkspaceDomain(domainName).WithStatus(ac.WorkspaceDomainStatus().WithConditions(
		metav1ac.Condition().WithType(identityv1alpha1.ConditionVerified).WithStatus(metav1.ConditionTrue).
			WithReason(identityv1alpha1.ReasonApproved).WithMessage("approved by " + scim.username()).
			WithLastTransitionTime(metav1.NewTime(time.Now()))))
	err := scim.Client.Status().Apply(ctx, verified, client.FieldOwner("e2e"), client.ForceOwnership)
	expectForbidden(t, scim, "set the Verified condition of WorkspaceDomain "+domainName, err)
	err = scim.Client.Delete(ctx, &identityv1alpha1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: ws.Namespace, Name: ws.Name}})
	expectForbidden(t, scim, "delete Workspace "+ws.Namespace+"/"+ws.Name, err)
}

// expectControllerRefusals: the domain controller verifies DNS and
// Preapproved domains, and a Manual one only a person may approve (the
// rollcall-domain-verification policy); Workspaces are the admin's to
// create.
func expectControllerRefusals(t *testing.T, controllers identity, ws *identityv1alpha1.Workspace) {
	ctx := context.Background()
	held := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: "held.e2e.example"},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ws.Namespace, Name: ws.Name},
			Verification: identityv1alpha1.DomainVerification{Method: identityv1alpha1.VerificationManual},
		},
	}
	if err := env.Client.Create(ctx, held); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), held) })
	// Written exactly as the plugin writes an approval, its message naming
	// the controller's user: only the policy's rule for holders of verb
	// reconcile stands in the way.
	err := approval.Apply(ctx, controllers.Client, approval.Approve, held.Name, approval.Options{FieldManager: "e2e"})
	expectForbidden(t, controllers, "approve Manual WorkspaceDomain "+held.Name, err)

	err = controllers.Client.Create(ctx, &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ws.Namespace, Name: "rogue"},
		Spec:       ws.Spec,
	})
	expectForbidden(t, controllers, "create a Workspace in "+ws.Namespace, err)
}
