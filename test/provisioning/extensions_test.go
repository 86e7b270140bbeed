package provisioning_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	_ "modernc.org/sqlite"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/internal/whoami"
	"github.com/rollcall-dev/rollcall/scimserver"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

const urnAcme = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

// start runs the SCIM server (its own manager, as in production) and the
// user and workspace backend controllers, and returns the SCIM server's URL.
func start(t *testing.T) string {
	t.Helper()
	scimMgr, err := env.NewManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := scimserver.New(scimMgr, scimserver.Options{InsecureHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, scimMgr)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cache := memberbackend.NewCache(mgr.GetClient(), mgr.GetAPIReader())
	t.Cleanup(cache.Close)
	for _, setup := range []func(context.Context, ctrl.Manager) error{
		// The workspace controller publishes the token digests the SCIM server reads.
		(&workspace.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader()}).SetupWithManager,
		(&workspace.BackendReconciler{Client: mgr.GetClient(), Backends: cache, CountDelay: 100 * time.Millisecond}).SetupWithManager,
		(&workspaceuser.Reconciler{Client: mgr.GetClient(), Backends: cache, BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second}).SetupWithManager,
	} {
		if err := setup(context.Background(), mgr); err != nil {
			t.Fatal(err)
		}
	}
	testenv.RunManager(t, mgr)
	return hs.URL
}

// A workspace declares an extension: what Entra ID sends for it reaches the
// SQLite members table through POST and PATCH, and an unknown attribute in
// the same requests is shown on the Workspace without failing the user.
func TestExtensionValuesReachTheMembersTable(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	base := start(t)
	ns := testenv.NewNamespace(t, env.Client)
	path := filepath.Join(t.TempDir(), "members.db")
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"}, Data: map[string][]byte{"dsn": []byte("file:" + path)}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-scim-token"}, Data: map[string][]byte{"token": []byte("token-of-acme-in-" + ns)}},
	} {
		g.Expect(env.Client.Create(ctx, s)).To(Succeed())
	}
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme"},
		Spec: identityv1alpha1.WorkspaceSpec{
			Backend: identityv1alpha1.BackendSpec{Type: identityv1alpha1.BackendSQL, SQL: &identityv1alpha1.SQLBackend{
				Driver: identityv1alpha1.SQLDriverSQLite, DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "members-db", Key: "dsn"}}},
			SCIM: identityv1alpha1.SCIMSpec{SchemaExtensions: []identityv1alpha1.SchemaExtension{{URN: urnAcme,
				Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "costCode"}, {Name: "badge", Type: identityv1alpha1.ExtensionInteger}}}}},
		},
	}
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())
	verifyDomain(t, "provisioning.example", ns, "acme")

	do := func(method, path, body string) map[string]any {
		req, err := http.NewRequest(method, base+identityv1alpha1.TenantPath(ns, "acme")+path, bytes.NewReader([]byte(body)))
		g.Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer token-of-acme-in-"+ns)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		raw, _ := io.ReadAll(resp.Body)
		g.Expect(resp.StatusCode).To(BeNumerically("<", 300), "%s %s: %s", method, path, raw)
		var out map[string]any
		g.Expect(json.Unmarshal(raw, &out)).To(Succeed())
		return out
	}
	var created map[string]any
	g.Eventually(func(g Gomega) { // until the SCIM server's cache has the workspace
		req, _ := http.NewRequest("GET", base+identityv1alpha1.TenantPath(ns, "acme")+"/ServiceProviderConfig", nil)
		req.Header.Set("Authorization", "Bearer token-of-acme-in-"+ns)
		resp, err := http.DefaultClient.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	}).WithTimeout(10 * time.Second).Should(Succeed())
	created = do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+urnAcme+`"],
		"userName":"ada@provisioning.example","emails":[{"value":"ada@provisioning.example","type":"work","primary":true}],
		"`+urnAcme+`":{"costCode":"X1","badge":"4711"},"adreses":[{"streetAddress":"1 Main St"}]}`)
	id := created["id"].(string)

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = db.Close() })
	extensions := func(g Gomega) map[string]any {
		var raw string
		g.Expect(db.QueryRow(`SELECT extensions FROM members WHERE user_name = ?`, "ada@provisioning.example").Scan(&raw)).To(Succeed())
		var out map[string]any
		g.Expect(json.Unmarshal([]byte(raw), &out)).To(Succeed())
		return out
	}
	g.Eventually(func(g Gomega) {
		g.Expect(extensions(g)).To(Equal(map[string]any{urnAcme: map[string]any{"costCode": "X1", "badge": 4711.0}}))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"`+urnAcme+`:costCode","value":"X2"}]}`)
	g.Eventually(func(g Gomega) {
		g.Expect(extensions(g)[urnAcme]).To(HaveKeyWithValue("costCode", "X2"))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(got.Status.IgnoredAttributes).To(Equal([]string{"adreses"}))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

// verifyDomain claims domain for the workspace and approves it, as an
// approver would (the admission policy wants the approver's name).
func verifyDomain(t *testing.T, domain, ns, name string) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	d := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: domain},
		Spec:       identityv1alpha1.WorkspaceDomainSpec{WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: name}},
	}
	g.Expect(env.Client.Create(ctx, d)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, d) })
	approver, err := whoami.Username(ctx, env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	meta.SetStatusCondition(&d.Status.Conditions, metav1.Condition{Type: identityv1alpha1.ConditionVerified,
		Status: metav1.ConditionTrue, Reason: identityv1alpha1.ReasonApproved, Message: "approved by " + approver})
	g.Expect(env.Client.Status().Update(ctx, d)).To(Succeed())
}
