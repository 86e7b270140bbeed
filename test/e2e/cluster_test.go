package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/approval"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// The namespace config/default installs into and its service accounts
// (config/rbac/service_account.yaml, scim_server_binding.yaml).
const (
	operatorNamespace = "rollcall-system"
	controllerAccount = "rollcall-controller"
	scimAccount       = "rollcall-scim"
)

// TestInstalledOperatorProvisionsUnderItsOwnIdentities installs
// config/default, runs the controllers and the SCIM server as their service
// accounts, provisions a user and a group over SCIM into an SQLite store and
// deprovisions the user, then checks each identity is refused what the
// design keeps from it.
func TestInstalledOperatorProvisionsUnderItsOwnIdentities(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	started := time.Now()

	kinds := install(t)
	t.Logf("applied config/default: %v", kinds)
	for _, kind := range []string{"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
		"ServiceAccount", "Deployment", "ValidatingAdmissionPolicy"} {
		g.Expect(kinds).To(HaveKey(kind), "config/default renders no %s", kind)
	}

	controllers := serviceAccountIdentity(t, operatorNamespace, controllerAccount)
	scim := serviceAccountIdentity(t, operatorNamespace, scimAccount)
	bin := buildManager(t)
	t.Logf("built cmd/manager after %s", time.Since(started).Round(time.Millisecond))
	scimAddr := testenv.FreeAddr(t)
	publicURL := "http://" + scimAddr
	ctrlProc := startManager(t, bin, controllers,
		"--controllers=true", "--scim-server=false", "--public-base-url="+publicURL,
		"--operator-namespace="+operatorNamespace, "--leader-elect", "--leader-election-namespace="+operatorNamespace)
	scimProc := startManager(t, bin, scim,
		"--controllers=false", "--scim-server=true", "--public-base-url="+publicURL,
		"--operator-namespace="+operatorNamespace, "--scim-bind-address="+scimAddr, "--scim-insecure-http")

	ws, dbPath := createWorkspace(t)
	domain := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e.example"},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ws.Namespace, Name: ws.Name},
			Verification: identityv1alpha1.DomainVerification{Method: identityv1alpha1.VerificationManual},
		},
	}
	g.Expect(env.Client.Create(ctx, domain)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), domain) })
	// The admin approves it as `kubectl rollcall domain approve` does.
	g.Expect(approval.Apply(ctx, env.Client, approval.Approve, domain.Name, approval.Options{})).To(Succeed())

	tn := waitForTenant(t, ws, ctrlProc, scimProc)
	t.Logf("tenant %s serves after %s", tn.url, time.Since(started).Round(time.Millisecond))
	provision(t, tn, openStore(t, dbPath))
	t.Logf("provisioned and deprovisioned after %s", time.Since(started).Round(time.Millisecond))

	t.Run("the SCIM server's identity is refused", func(t *testing.T) {
		expectSCIMRefusals(t, scim, ws, domain.Name)
	})
	t.Run("the controllers' identity is refused", func(t *testing.T) {
		expectControllerRefusals(t, controllers, ws)
	})
	for _, p := range []*process{ctrlProc, scimProc} {
		g.Expect(p.running()).To(BeTrue(), "the %s process exited", p.name)
		// Everything the processes asked for along the way, the shipped
		// RBAC granted.
		g.Expect(p.forbiddenLines()).To(BeEmpty(), "the API server refused the %s process", p.name)
	}
}

// createWorkspace creates a namespace, the DSN Secret of an SQLite file in
// the test's temporary directory and a Workspace whose policy deletes a
// deprovisioned member, as an admin would.
func createWorkspace(t *testing.T) (*identityv1alpha1.Workspace, string) {
	t.Helper()
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	dbPath := filepath.Join(t.TempDir(), "members.db")
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"},
		StringData: map[string]string{"dsn": "file:" + dbPath},
	}
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"},
		Spec: identityv1alpha1.WorkspaceSpec{
			Backend: identityv1alpha1.BackendSpec{
				Type: identityv1alpha1.BackendSQL,
				SQL: &identityv1alpha1.SQLBackend{
					Driver:       identityv1alpha1.SQLDriverSQLite,
					DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: secret.Name, Key: "dsn"},
				},
			},
			Deprovisioning: identityv1alpha1.DeprovisionDelete,
		},
	}
	for _, obj := range []client.Object{secret, ws} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
		}
	}
	return ws, dbPath
}

// waitForTenant waits until the controllers publish the workspace's Tenant
// URL and token and the SCIM server takes the token.
func waitForTenant(t *testing.T, ws *identityv1alpha1.Workspace, procs ...*process) tenant {
	t.Helper()
	ctx := context.Background()
	var tn tenant
	NewWithT(t).Eventually(func() error {
		for _, p := range procs {
			if !p.running() {
				return StopTrying(fmt.Sprintf("the %s manager exited", p.name))
			}
		}
		got := &identityv1alpha1.Workspace{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady) || got.Status.TenantURL == "" {
			return fmt.Errorf("workspace not SCIM-ready: %v", got.Status.Conditions)
		}
		secret := &corev1.Secret{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: got.Namespace, Name: got.Status.TokenSecretName}, secret); err != nil {
			return err
		}
		tn = tenant{url: got.Status.TenantURL, token: string(secret.Data[identityv1alpha1.TokenSecretKey])}
		if !tn.answers() {
			return fmt.Errorf("the SCIM server does not serve %s yet", tn.url)
		}
		return nil
	}).WithTimeout(45 * time.Second).WithPolling(200 * time.Millisecond).Should(Succeed())
	return tn
}

// provision drives what an identity provider does for one assigned user in
// one assigned group, in Entra's shapes, and watches each step reach the
// store: the user created and renamed, the group created with the user
// added, the user deleted (the workspace's policy: Delete).
func provision(t *testing.T, tn tenant, db store) {
	t.Helper()
	g := NewWithT(t)
	const user = "ada@e2e.example"
	status, body := tn.send(t, http.MethodPost, "/Users",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@e2e.example","active":true,"displayName":"Ada",`+
			`"emails":[{"value":"ada@e2e.example","type":"work","primary":true}]}`)
	g.Expect(status).To(Equal(http.StatusCreated), body)
	userID := scimID(t, body)
	g.Eventually(db.members).WithTimeout(20 * time.Second).WithPolling(100 * time.Millisecond).
		Should(HaveKeyWithValue(user, member{DisplayName: "Ada", Active: true}))

	status, body = tn.send(t, http.MethodPatch, "/Users/"+userID,
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Ada Lovelace"}]}`)
	g.Expect(status).To(Equal(http.StatusOK), body)
	g.Eventually(db.members).WithTimeout(20 * time.Second).WithPolling(100 * time.Millisecond).
		Should(HaveKeyWithValue(user, member{DisplayName: "Ada Lovelace", Active: true}))

	status, body = tn.send(t, http.MethodPost, "/Groups",
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"externalId":"4c1e8e2a-93f5-4a5e-9f2b-6f4b0c1f0e01","displayName":"Engineering"}`)
	g.Expect(status).To(Equal(http.StatusCreated), body)
	groupID := scimID(t, body)
	status, body = tn.send(t, http.MethodPatch, "/Groups/"+groupID, fmt.Sprintf(
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":%q}]}]}`, userID))
	g.Expect(status).To(Equal(http.StatusNoContent), body)
	g.Eventually(db.memberships).WithTimeout(20 * time.Second).WithPolling(100 * time.Millisecond).
		Should(HaveKeyWithValue("Engineering", []string{user}))

	status, body = tn.send(t, http.MethodDelete, "/Users/"+userID, "")
	g.Expect(status).To(Equal(http.StatusNoContent), body)
	g.Eventually(db.members).WithTimeout(20 * time.Second).WithPolling(100 * time.Millisecond).ShouldNot(HaveKey(user))
	g.Expect(db.memberships()).NotTo(HaveKey("Engineering"), "the deleted member's membership outlived it")
	g.Expect(db.groups()).To(ConsistOf("Engineering"), "deleting the user took its group with it")
	status, _ = tn.send(t, http.MethodGet, "/Users/"+userID, "")
	g.Expect(status).To(Equal(http.StatusNotFound))
}
