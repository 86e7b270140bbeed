package v1alpha1_test

import (
	"context"
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// These tests send objects to a real kube-apiserver with the generated CRDs
// installed and check that the schema itself refuses bad ones.

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

func TestControlPlaneIsTheSourceBuiltOne(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := testenv.KubeVersion(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kube-apiserver reports %s, from %s", env.ServerVersion, env.BinaryAssetsDirectory)
	if env.ServerVersion != want {
		t.Fatalf("kube-apiserver reports %q, want %q (built by hack/build-control-plane.sh with version ldflags)", env.ServerVersion, want)
	}
}

func workspace(ns, name string) *identityv1alpha1.Workspace {
	return &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendSQL,
			SQL: &identityv1alpha1.SQLBackend{
				Driver:       identityv1alpha1.SQLDriverPostgres,
				DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "db", Key: "dsn"},
			},
		}},
	}
}

func user(ns, name, ws string) *identityv1alpha1.WorkspaceUser {
	return &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: ws},
			UserName:     name + "@example.com",
		},
	}
}

func domain(name string) *identityv1alpha1.WorkspaceDomain {
	return &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: "team", Name: "acme"},
		},
	}
}

// expectInvalid checks that the API server refused err as Invalid, naming the problem.
func expectInvalid(g Gomega, err error, fragment string) {
	g.Expect(err).To(HaveOccurred())
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
	g.Expect(err.Error()).To(ContainSubstring(fragment))
}

func TestWorkspaceDefaults(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := workspace(ns, "defaults")
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())
	got := &identityv1alpha1.Workspace{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
	g.Expect(got.Spec.Deprovisioning).To(Equal(identityv1alpha1.DeprovisionDeactivate))
	g.Expect(got.Spec.SCIM.UnverifiedDomains).To(Equal(identityv1alpha1.UnverifiedDomainHold))
	g.Expect(got.SCIMEnabled()).To(BeTrue())
	g.Expect(got.Spec.SCIM.Enabled).NotTo(BeNil(), "enabled is defaulted to true by the schema")
	g.Expect(got.Spec.ResyncInterval.Duration.String()).To(Equal("10m0s"))
	g.Expect(got.Spec.Backend.RateLimit).NotTo(BeNil())
	g.Expect(got.Spec.Backend.RateLimit.RequestsPerSecond).To(BeEquivalentTo(50))
	// The code's default for a nil rateLimit is the schema's default.
	g.Expect(*got.Spec.Backend.RateLimit).To(Equal(identityv1alpha1.DefaultRateLimit))
	g.Expect(got.Spec.SCIM.RateLimit).NotTo(BeNil())
	g.Expect(*got.Spec.SCIM.RateLimit).To(Equal(identityv1alpha1.DefaultRateLimit))
	g.Expect(got.Spec.Backend.SQL.MaxConnections).To(BeEquivalentTo(4))
	g.Expect(got.Spec.SCIM.UnknownAttributes).To(Equal(identityv1alpha1.UnknownAttributesIgnore))
}

func TestWorkspaceSchemaRejects(t *testing.T) {
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	cases := map[string]struct {
		mutate   func(*identityv1alpha1.Workspace)
		fragment string
	}{
		"unknown deprovisioning policy":    {func(w *identityv1alpha1.Workspace) { w.Spec.Deprovisioning = "Shred" }, `Unsupported value: "Shred"`},
		"unknown unverified-domain policy": {func(w *identityv1alpha1.Workspace) { w.Spec.SCIM.UnverifiedDomains = "Allow" }, `Unsupported value: "Allow"`},
		"unknown SQL driver":               {func(w *identityv1alpha1.Workspace) { w.Spec.Backend.SQL.Driver = "mysql" }, `Unsupported value: "mysql"`},
		"unknown unknown-attribute policy": {func(w *identityv1alpha1.Workspace) { w.Spec.SCIM.UnknownAttributes = "Warn" }, `Unsupported value: "Warn"`},
		"extension with the enterprise URN": {func(w *identityv1alpha1.Workspace) {
			w.Spec.SCIM.SchemaExtensions = []identityv1alpha1.SchemaExtension{{URN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
				Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "floor"}}}}
		}, "must not be the core User schema or the enterprise extension"},
		"extension URN that is not a URN": {func(w *identityv1alpha1.Workspace) {
			w.Spec.SCIM.SchemaExtensions = []identityv1alpha1.SchemaExtension{{URN: "acme custom",
				Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "floor"}}}}
		}, "spec.scim.schemaExtensions[0].urn"},
		"extension attribute with a bad name": {func(w *identityv1alpha1.Workspace) {
			w.Spec.SCIM.SchemaExtensions = []identityv1alpha1.SchemaExtension{{URN: "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
				Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "cost code"}}}}
		}, "spec.scim.schemaExtensions[0].attributes[0].name"},
		"extension attribute of an unknown type": {func(w *identityv1alpha1.Workspace) {
			w.Spec.SCIM.SchemaExtensions = []identityv1alpha1.SchemaExtension{{URN: "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
				Attributes: []identityv1alpha1.ExtensionAttribute{{Name: "floor", Type: "complex"}}}}
		}, `Unsupported value: "complex"`},
		"extension without attributes": {func(w *identityv1alpha1.Workspace) {
			w.Spec.SCIM.SchemaExtensions = []identityv1alpha1.SchemaExtension{{URN: "urn:ietf:params:scim:schemas:extension:acme:2.0:User"}}
		}, "spec.scim.schemaExtensions[0].attributes"},
		"SQL type with an http block": {func(w *identityv1alpha1.Workspace) {
			w.Spec.Backend.HTTP = &identityv1alpha1.HTTPBackend{URL: "https://app.example.com", CredentialsSecretRef: identityv1alpha1.SecretReference{Name: "c"}}
		}, "set exactly the block that matches type"},
		"HTTP type without an http block": {func(w *identityv1alpha1.Workspace) {
			w.Spec.Backend.Type = identityv1alpha1.BackendHTTP
		}, "set exactly the block that matches type"},
		"HTTP URL that is not a URL": {func(w *identityv1alpha1.Workspace) {
			w.Spec.Backend.Type = identityv1alpha1.BackendHTTP
			w.Spec.Backend.SQL = nil
			w.Spec.Backend.HTTP = &identityv1alpha1.HTTPBackend{URL: "ftp://app.example.com", CredentialsSecretRef: identityv1alpha1.SecretReference{Name: "c"}}
		}, "url must be an absolute http or https URL"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ws := workspace(ns, "bad")
			tc.mutate(ws)
			expectInvalid(NewWithT(t), env.Client.Create(ctx, ws), tc.fragment)
		})
	}
}

func TestWorkspaceUserSchema(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)

	u := user(ns, "ada", "acme")
	g.Expect(env.Client.Create(ctx, u)).To(Succeed())
	g.Expect(u.IsActive()).To(BeTrue())
	g.Expect(u.Spec.Active).NotTo(BeNil(), "active defaults to true")

	u.Spec.WorkspaceRef.Name = "other"
	expectInvalid(g, env.Client.Update(ctx, u), "workspaceRef is immutable")

	empty := user(ns, "nobody", "acme")
	empty.Spec.UserName = ""
	expectInvalid(g, env.Client.Create(ctx, empty), "spec.userName")

	// Extension values are bounded in count: 8 schemas of 32 attributes.
	many := user(ns, "many", "acme")
	many.Spec.Extensions = map[string]identityv1alpha1.ExtensionValues{}
	for i := range 9 {
		many.Spec.Extensions[fmt.Sprintf("urn:example:ext%d", i)] = identityv1alpha1.ExtensionValues{"a": {Raw: []byte(`"x"`)}}
	}
	expectInvalid(g, env.Client.Create(ctx, many), "spec.extensions")
	wide := user(ns, "wide", "acme")
	values := identityv1alpha1.ExtensionValues{}
	for i := range 33 {
		values[fmt.Sprintf("attr%d", i)] = apiextensionsv1.JSON{Raw: []byte(`1`)}
	}
	wide.Spec.Extensions = map[string]identityv1alpha1.ExtensionValues{"urn:example:ext": values}
	expectInvalid(g, env.Client.Create(ctx, wide), "spec.extensions")
}

func TestWorkspaceDomainSchema(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()

	d := domain("schema-test.example.com")
	g.Expect(env.Client.Create(ctx, d)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(ctx, d) })
	g.Expect(d.Spec.Verification.Method).To(Equal(identityv1alpha1.VerificationManual), "method defaults to Manual")

	d.Spec.WorkspaceRef.Name = "someone-else"
	expectInvalid(g, env.Client.Update(ctx, d), "workspaceRef is immutable")

	for _, bad := range []string{"localhost", "no-dot", "under_score.example.com", "-lead.example.com", "trail-.example.com", "example.123"} {
		expectInvalid(g, env.Client.Create(ctx, domain(bad)), "metadata.name must be a lower-case DNS domain name")
	}

	odd := domain("method.example.com")
	odd.Spec.Verification.Method = "Email"
	expectInvalid(g, env.Client.Create(ctx, odd), `Unsupported value: "Email"`)
}
