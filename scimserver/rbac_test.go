package scimserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// TestWorksWithItsLeastPrivilegeRole runs the server as a user bound only
// to the roles generated from its RBAC markers
// (config/rbac/scim-server/role.yaml): it reads the digest records of the
// operator's namespace by name only, never a token Secret, and can do all
// its work.
func TestWorksWithItsLeastPrivilegeRole(t *testing.T) {
	g := NewWithT(t)
	identity := asSCIMServer(t, "rollcall-scim-server")

	skip := true
	mgr, err := ctrl.NewManager(identity.Config(), ctrl.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: &skip},
	})
	g.Expect(err).NotTo(HaveOccurred())
	srv, err := scimserver.New(mgr, scimserver.Options{InsecureHTTP: true})
	g.Expect(err).NotTo(HaveOccurred())
	testenv.RunManager(t, mgr)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	tn := newTenant(t, &replica{server: srv, url: hs.URL}, func(ws *identityv1alpha1.Workspace) { ws.Spec.SCIM.ClaimUnknownDomains = true })
	created := tn.do("POST", "/Users", user("least@"+tn.namespace+".test"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	g.Expect(tn.do("POST", "/Users", user("LEAST@"+tn.namespace+".test")).status).To(Equal(http.StatusConflict))
	patched := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "userName", "value": "most@" + tn.namespace + ".test"}}})
	g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
	g.Expect(tn.do("GET", filterPath(`userName eq "most@`+tn.namespace+`.test"`), nil).body["totalResults"]).To(BeNumerically("==", 1))
	// Groups: a displayName claim (a Lease the admission policy lets it
	// write), the WorkspaceGroup, its membership shards, their removal.
	grp := tn.do("POST", "/Groups", map[string]any{"displayName": "Least", "members": []any{map[string]any{"value": id}}})
	g.Expect(grp.status).To(Equal(http.StatusCreated), grp.String())
	gid := grp.body["id"].(string)
	g.Expect(tn.do("POST", "/Groups", map[string]any{"displayName": "LEAST"}).status).To(Equal(http.StatusConflict))
	renamed := tn.do("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "Most"}}})
	g.Expect(renamed.status).To(Equal(http.StatusNoContent), renamed.String())
	g.Expect(tn.do("GET", "/Users/"+id, nil).body["groups"]).To(HaveLen(1))
	g.Expect(tn.do("DELETE", "/Users/"+id, nil).status).To(Equal(http.StatusNoContent))
	g.Expect(tn.do("GET", "/Groups/"+gid, nil).body["members"]).To(BeEmpty())
	g.Expect(tn.do("DELETE", "/Groups/"+gid, nil).status).To(Equal(http.StatusNoContent))
}

// The SCIM server faces the internet: whoever takes it over must not get
// the Secrets of the cluster. Its identity may get a Secret only in the
// operator's namespace (the digest records), by name: no token Secret, no
// other Secret of a workspace's namespace, no list.
func TestSCIMServerReadsNoSecretOutsideTheOperatorNamespace(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	identity := asSCIMServer(t, "rollcall-scim-server-secrets")
	as, err := client.New(identity.Config(), client.Options{Scheme: env.Scheme})
	g.Expect(err).NotTo(HaveOccurred())

	ns := testenv.NewNamespace(t, env.Client)
	tokenSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "acme-scim-token"},
		Data: map[string][]byte{identityv1alpha1.TokenSecretKey: []byte("a-token-long-enough-to-be-accepted")}}
	dsn := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Data: map[string][]byte{"dsn": []byte("postgres://user:password@db/members")}}
	record := scimtoken.DigestRecord(scimtoken.DefaultNamespace, ns, "acme", scimtoken.DigestsOf(tokenSecret))
	for _, s := range []*corev1.Secret{tokenSecret, dsn, record} {
		g.Expect(env.Client.Create(ctx, s)).To(Succeed())
	}

	for _, s := range []*corev1.Secret{tokenSecret, dsn} {
		err := as.Get(ctx, client.ObjectKeyFromObject(s), &corev1.Secret{})
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "get Secret %s/%s: %v, want forbidden", s.Namespace, s.Name, err)
	}
	for _, namespace := range []string{ns, scimtoken.DefaultNamespace, ""} {
		err := as.List(ctx, &corev1.SecretList{}, client.InNamespace(namespace))
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "list Secrets in %q: %v, want forbidden", namespace, err)
	}
	got := &corev1.Secret{}
	g.Expect(as.Get(ctx, client.ObjectKeyFromObject(record), got)).To(Succeed(), "the digest record of the operator's namespace")
	g.Expect(got.Data).NotTo(HaveKey(identityv1alpha1.TokenSecretKey), "a digest record holds no token")
}

// asSCIMServer installs the roles generated from the SCIM server's RBAC
// markers (config/rbac/scim-server/role.yaml: a ClusterRole, and a Role in
// the operator's namespace) and returns a new user bound to them and
// nothing else.
func asSCIMServer(t *testing.T, name string) *envtest.AuthenticatedUser {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := manifests.Read(filepath.Join(root, "config", "rbac", "scim-server", "role.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(objs).NotTo(BeEmpty())
	identity, err := env.AddUser(envtest.User{Name: name}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	for _, role := range objs {
		g.Expect(env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(role), client.FieldOwner("test"), client.ForceOwnership)).To(Succeed())
		switch role.GetKind() {
		case "ClusterRole":
			g.Expect(testenv.BindClusterRoles(ctx, env.Client, name, role.GetName())).To(Succeed())
		case "Role":
			g.Expect(testenv.BindRoles(ctx, env.Client, role.GetNamespace(), name, role.GetName())).To(Succeed())
		default:
			t.Fatalf("config/rbac/scim-server/role.yaml holds a %s", role.GetKind())
		}
	}
	return identity
}
