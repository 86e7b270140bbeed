package workspaceuser_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

const urnAcme = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"

func withExtensionValues(u *identityv1alpha1.WorkspaceUser) {
	u.Spec.Extensions = map[string]identityv1alpha1.ExtensionValues{urnAcme: {
		"costCode": apiextensionsv1.JSON{Raw: []byte(`"X1"`)},
		"badge":    apiextensionsv1.JSON{Raw: []byte(`4711`)},
		"tags":     apiextensionsv1.JSON{Raw: []byte(`["a","b"]`)},
	}}
}

// A user's extension values are in the SQLite members table's extensions
// column, and follow a change of them.
func TestSQLiteMemberCarriesExtensions(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startWithRealBackends(t)
	ns := testenv.NewNamespace(t, env.Client)
	path := filepath.Join(t.TempDir(), "members.db")
	g.Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"},
		Data:       map[string][]byte{"dsn": []byte("file:" + path)},
	})).To(Succeed())
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "ext-sqlite.example", ws, true)
	u := newUser(t, ns, "ada", "acme", "ada@ext-sqlite.example", withExtensionValues)
	key := waitSynced(t, u).Status.MemberKey

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = db.Close() })
	column := func(g Gomega) map[string]any {
		var extensions, profile string
		g.Expect(db.QueryRow(`SELECT extensions, profile FROM members WHERE member_key = ?`, key).Scan(&extensions, &profile)).To(Succeed())
		var out, p map[string]any
		g.Expect(json.Unmarshal([]byte(extensions), &out)).To(Succeed())
		g.Expect(json.Unmarshal([]byte(profile), &p)).To(Succeed())
		g.Expect(p["extensions"]).To(Equal(out), "the profile holds them too")
		return out
	}
	g.Expect(column(g)).To(Equal(map[string]any{urnAcme: map[string]any{"costCode": "X1", "badge": 4711.0, "tags": []any{"a", "b"}}}))

	g.Eventually(func() error {
		cur := &identityv1alpha1.WorkspaceUser{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(u), cur); err != nil {
			return err
		}
		cur.Spec.Extensions[urnAcme]["costCode"] = apiextensionsv1.JSON{Raw: []byte(`"X2"`)}
		return env.Client.Update(ctx, cur)
	}).WithTimeout(timeout).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(column(g)[urnAcme]).To(HaveKeyWithValue("costCode", "X2"))
	}).WithTimeout(timeout).Should(Succeed())
}

// The HTTP backend's request body carries the extension values in its
// "extensions" field.
func TestHTTPMemberCarriesExtensions(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	app := httpbackendtest.Start("app-token", "app-signing-key")
	t.Cleanup(app.Close)
	startWithRealBackends(t)
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-credentials"},
		Data:       map[string][]byte{"token": []byte("app-token"), "signingKey": []byte("app-signing-key")},
	})).To(Succeed())
	ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) {
		w.Spec.Backend = identityv1alpha1.BackendSpec{Type: identityv1alpha1.BackendHTTP,
			HTTP: &identityv1alpha1.HTTPBackend{URL: app.URL(), CredentialsSecretRef: identityv1alpha1.SecretReference{Name: "app-credentials"}}}
	})
	claimDomain(t, "ext-http.example", ws, true)
	withExt := newUser(t, ns, "ada", "acme", "ada@ext-http.example", withExtensionValues)
	without := newUser(t, ns, "bob", "acme", "bob@ext-http.example")

	var body map[string]any
	g.Expect(json.Unmarshal(app.LastBody(waitSynced(t, withExt).Status.MemberKey), &body)).To(Succeed())
	g.Expect(body["extensions"]).To(Equal(map[string]any{urnAcme: map[string]any{"costCode": "X1", "badge": 4711.0, "tags": []any{"a", "b"}}}))
	g.Expect(json.Unmarshal(app.LastBody(waitSynced(t, without).Status.MemberKey), &body)).To(Succeed())
	g.Expect(body["extensions"]).To(Equal(map[string]any{}), "a user without extensions sends {}")
}
