package scimserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// replica is one SCIM server with its own manager and cache, reachable over
// real HTTP on loopback.
type replica struct {
	server *scimserver.Server
	url    string
}

// startReplica runs a manager with a SCIM server and serves it on loopback.
func startReplica(t testing.TB) *replica {
	t.Helper()
	return startReplicaWith(t, ctrl.Options{})
}

// startReplicaWith is startReplica with the manager's options opts, e.g. a
// NewClient that wraps the client the server writes with.
func startReplicaWith(t testing.TB, opts ctrl.Options) *replica {
	t.Helper()
	return startReplicaWithServer(t, opts, scimserver.Options{InsecureHTTP: true})
}

// startReplicaWithServer is startReplicaWith with the SCIM server's options too.
func startReplicaWithServer(t testing.TB, opts ctrl.Options, serverOpts scimserver.Options) *replica {
	t.Helper()
	mgr, err := env.NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := scimserver.New(mgr, serverOpts)
	if err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &replica{server: srv, url: hs.URL}
}

// tenant is one workspace with SCIM on, its token and a client for its Tenant URL.
type tenant struct {
	t         testing.TB
	namespace string
	workspace *identityv1alpha1.Workspace
	token     string
	base      string // the Tenant URL on one replica
}

type workspaceOption func(*identityv1alpha1.Workspace)

// newTenant creates a workspace and its token Secret in a fresh namespace
// and waits until the replica serves it.
func newTenant(t testing.TB, r *replica, opts ...workspaceOption) *tenant {
	t.Helper()
	ns := testenv.NewNamespace(t, env.Client)
	return newTenantIn(t, r, ns, "acme", opts...)
}

func newTenantIn(t testing.TB, r *replica, ns, name string, opts ...workspaceOption) *tenant {
	t.Helper()
	ctx := context.Background()
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendSQL,
			SQL: &identityv1alpha1.SQLBackend{Driver: identityv1alpha1.SQLDriverSQLite,
				DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "db", Key: "dsn"}},
		}},
	}
	// Tests send requests faster than an identity provider; the rate limit has its own test.
	ws.Spec.SCIM.RateLimit = &identityv1alpha1.RateLimit{RequestsPerSecond: 10000, Burst: 10000}
	for _, o := range opts {
		o(ws)
	}
	if err := env.Client.Create(ctx, ws); err != nil {
		t.Fatal(err)
	}
	token := "token-of-" + ns + "-" + name
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: ws.TokenSecretName()},
		Data: map[string][]byte{"token": []byte(token)}}
	if err := env.Client.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	publishDigests(t, ns, name, secret)
	tn := &tenant{t: t, namespace: ns, workspace: ws, token: token, base: r.url + identityv1alpha1.TenantPath(ns, name)}
	if ws.SCIMEnabled() {
		NewWithT(t).Eventually(func() int {
			return tn.do("GET", "/ServiceProviderConfig", nil).status
		}).WithTimeout(10 * time.Second).WithPolling(20 * time.Millisecond).Should(Equal(http.StatusOK))
	}
	return tn
}

// publishDigests does what the Workspace controller does when a token
// Secret changes: it writes the digest record of the workspace ns/name in
// the operator's namespace. The SCIM server reads only that record.
func publishDigests(t testing.TB, ns, name string, secret *corev1.Secret) {
	t.Helper()
	ctx := context.Background()
	record := scimtoken.DigestRecord(scimtoken.DefaultNamespace, ns, name, scimtoken.DigestsOf(secret))
	existing := &corev1.Secret{}
	err := env.Client.Get(ctx, client.ObjectKeyFromObject(record), existing)
	switch {
	case apierrors.IsNotFound(err):
		err = env.Client.Create(ctx, record)
	case err == nil:
		existing.Labels, existing.Annotations, existing.Data = record.Labels, record.Annotations, record.Data
		err = env.Client.Update(ctx, existing)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// updateToken changes the tenant's token Secret with change and publishes
// its digests, as an operator's rotation and the controller do.
func (tn *tenant) updateToken(change func(*corev1.Secret)) {
	tn.t.Helper()
	ctx := context.Background()
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: tn.namespace, Name: tn.workspace.TokenSecretName()}
	if err := env.Client.Get(ctx, key, secret); err != nil {
		tn.t.Fatal(err)
	}
	change(secret)
	if err := env.Client.Update(ctx, secret); err != nil {
		tn.t.Fatal(err)
	}
	publishDigests(tn.t, tn.namespace, tn.workspace.Name, secret)
}

// on returns the same tenant reached through another replica.
func (tn *tenant) on(r *replica) *tenant {
	cp := *tn
	cp.base = r.url + identityv1alpha1.TenantPath(tn.namespace, tn.workspace.Name)
	return &cp
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) String() string {
	return fmt.Sprintf("%d %s", r.status, r.raw)
}

// do sends a request with the tenant's token. body may be nil, a string or
// any JSON-encodable value. headers are pairs of name and value.
func (tn *tenant) do(method, path string, body any, headers ...string) response {
	tn.t.Helper()
	return tn.doWith(tn.token, method, path, body, headers...)
}

func (tn *tenant) doWith(token, method, path string, body any, headers ...string) response {
	tn.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			tn.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, tn.base+path, reader)
	if err != nil {
		tn.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tn.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tn.t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			tn.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	return out
}

// stored reads the WorkspaceUser whose SCIM id is id from the API server.
func (tn *tenant) stored(id string) *identityv1alpha1.WorkspaceUser {
	tn.t.Helper()
	list := &identityv1alpha1.WorkspaceUserList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(tn.namespace)); err != nil {
		tn.t.Fatal(err)
	}
	for i := range list.Items {
		if string(list.Items[i].UID) == id {
			return &list.Items[i]
		}
	}
	return nil
}

// user is a minimal SCIM User body.
func user(userName string) map[string]any {
	return map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": userName,
		"name":     map[string]any{"givenName": "Given", "familyName": "Family"},
		"emails":   []any{map[string]any{"primary": true, "type": "work", "value": userName}},
		"active":   true,
	}
}

// filterPath is a /Users path with a filter, query-escaped.
func filterPath(filter string) string {
	return "/Users?filter=" + urlQueryEscape(filter)
}
