//go:build faults

package faults

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	_ "modernc.org/sqlite" // the pure-Go "sqlite" database/sql driver, to read the member store

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// High enough that the workspace's own rate limits never shape a figure.
const unlimited = 10000

// member is a row of a workspace's member store.
type member struct {
	key, userName string
	active        bool
}

// workspace is a Workspace with a preapproved domain and its member store.
type workspace struct {
	cl         *cluster
	ns, name   string
	domain     string
	tenantPath string // the Tenant URL less the public base URL
	token      string
	members    func() ([]member, error)
	sqlitePath string // set for a SQLite store
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T, cl *cluster) string {
	t.Helper()
	return testenv.NewNamespace(t, cl.c)
}

// newSQLiteWorkspace creates a workspace whose members live in a SQLite
// file in dir.
func newSQLiteWorkspace(t *testing.T, cl *cluster, ns, name, dir string, policy identityv1alpha1.DeprovisioningPolicy) *workspace {
	t.Helper()
	path := filepath.Join(dir, name+"-members.db")
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-members-db"},
		StringData: map[string]string{"dsn": "file:" + path},
	}
	spec := identityv1alpha1.BackendSpec{
		Type: identityv1alpha1.BackendSQL,
		SQL: &identityv1alpha1.SQLBackend{
			Driver:       identityv1alpha1.SQLDriverSQLite,
			DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: secret.Name, Key: "dsn"},
		},
	}
	w := createWorkspace(t, cl, ns, name, secret, spec, policy)
	w.sqlitePath = path
	w.members = func() ([]member, error) { return readSQLiteMembers(path) }
	return w
}

// newHTTPWorkspace creates a workspace whose member backend is the HTTP
// contract at url, with the credentials srv accepts and a timeout per
// request.
func newHTTPWorkspace(t *testing.T, cl *cluster, ns, name, url string, srv *httpbackendtest.Server, timeout time.Duration) *workspace {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name + "-member-api"},
		StringData: map[string]string{"token": string(srv.Verifier.Token), "signingKey": string(srv.Verifier.SigningKey)},
	}
	spec := identityv1alpha1.BackendSpec{
		Type: identityv1alpha1.BackendHTTP,
		HTTP: &identityv1alpha1.HTTPBackend{
			URL:                  url,
			CredentialsSecretRef: identityv1alpha1.SecretReference{Name: secret.Name},
			Timeout:              &metav1.Duration{Duration: timeout},
		},
	}
	w := createWorkspace(t, cl, ns, name, secret, spec, identityv1alpha1.DeprovisionDelete)
	w.members = func() ([]member, error) {
		var out []member
		for _, m := range srv.Members() {
			out = append(out, member{key: m.Key, userName: m.UserName, active: m.Active})
		}
		return out, nil
	}
	return w
}

// createWorkspace creates the Secret, the Workspace (rate limits out of
// the way) and a preapproved domain, and waits until the domain is
// verified and the Workspace publishes its Tenant URL and token: the
// controllers must be running.
func createWorkspace(t *testing.T, cl *cluster, ns, name string, secret *corev1.Secret,
	backend identityv1alpha1.BackendSpec, policy identityv1alpha1.DeprovisioningPolicy) *workspace {
	t.Helper()
	ctx := context.Background()
	limit := &identityv1alpha1.RateLimit{RequestsPerSecond: unlimited, Burst: unlimited}
	backend.RateLimit = limit
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceSpec{
			Backend:        backend,
			SCIM:           identityv1alpha1.SCIMSpec{RateLimit: limit},
			Deprovisioning: policy,
		},
	}
	domain := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: name + "." + ns + ".faults.example"},
		Spec: identityv1alpha1.WorkspaceDomainSpec{
			WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: name},
			Verification: identityv1alpha1.DomainVerification{Method: identityv1alpha1.VerificationPreapproved},
		},
	}
	for _, obj := range []client.Object{secret, ws, domain} {
		if err := cl.c.Create(ctx, obj); err != nil {
			t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
		}
	}
	t.Cleanup(func() { _ = cl.c.Delete(context.Background(), domain) })
	w := &workspace{cl: cl, ns: ns, name: name, domain: domain.Name}
	err := eventually(ctx, 90*time.Second, 200*time.Millisecond, func() error {
		d := &identityv1alpha1.WorkspaceDomain{}
		if err := cl.c.Get(ctx, client.ObjectKeyFromObject(domain), d); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(d.Status.Conditions, identityv1alpha1.ConditionVerified) {
			return fmt.Errorf("domain %s not verified", d.Name)
		}
		got := &identityv1alpha1.Workspace{}
		if err := cl.c.Get(ctx, client.ObjectKeyFromObject(ws), got); err != nil {
			return err
		}
		if !meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady) || got.Status.TenantURL == "" {
			return fmt.Errorf("workspace %s/%s has no Tenant URL yet", ns, name)
		}
		s := &corev1.Secret{}
		if err := cl.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: got.Status.TokenSecretName}, s); err != nil {
			return err
		}
		w.token = string(s.Data[identityv1alpha1.TokenSecretKey])
		_, path, _ := strings.Cut(strings.TrimPrefix(got.Status.TenantURL, "http://"), "/")
		w.tenantPath = "/" + path
		return nil
	})
	if err != nil {
		t.Fatalf("workspace %s/%s: %v", ns, name, err)
	}
	return w
}

// userName is the userName of the workspace's user i in a run named run.
func (w *workspace) userName(run string, i int) string {
	return fmt.Sprintf("%s-%04d@%s", run, i, w.domain)
}

// userNames is userName for 0..n-1.
func (w *workspace) userNames(run string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = w.userName(run, i)
	}
	return out
}

// users lists the workspace's WorkspaceUsers.
func (w *workspace) users(ctx context.Context) ([]identityv1alpha1.WorkspaceUser, error) {
	list := &identityv1alpha1.WorkspaceUserList{}
	if err := w.cl.c.List(ctx, list, client.InNamespace(w.ns)); err != nil {
		return nil, err
	}
	var out []identityv1alpha1.WorkspaceUser
	for _, u := range list.Items {
		if u.Spec.WorkspaceRef.Name == w.name {
			out = append(out, u)
		}
	}
	return out, nil
}

// readSQLiteMembers reads every row of a SQLite member store, read-only
// (the store is in WAL mode, so reading blocks no writer).
func readSQLiteMembers(path string) ([]member, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	rows, err := db.Query(`SELECT member_key, user_name, active FROM members`)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer func() { _ = rows.Close() }()
	var out []member
	for rows.Next() {
		var m member
		if err := rows.Scan(&m.key, &m.userName, &m.active); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
