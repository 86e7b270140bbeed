package scimserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// TestWorksWithItsLeastPrivilegeRole runs the server as a user bound only
// to the ClusterRole generated from its RBAC markers
// (config/rbac/scim-server/role.yaml): it reads token Secrets by name only,
// never lists or watches them, and can do all its work.
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

// asSCIMServer installs the ClusterRole generated from the SCIM server's RBAC
// markers (config/rbac/scim-server/role.yaml) and returns a new user bound to
// it and nothing else.
func asSCIMServer(t *testing.T, name string) *envtest.AuthenticatedUser {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := manifests.Read(filepath.Join(root, "config", "rbac", "scim-server", "role.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(objs).To(HaveLen(1))
	role := objs[0]
	g.Expect(env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(role), client.FieldOwner("test"), client.ForceOwnership)).To(Succeed())
	identity, err := env.AddUser(envtest.User{Name: name}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(testenv.BindClusterRoles(ctx, env.Client, name, role.GetName())).To(Succeed())
	return identity
}
