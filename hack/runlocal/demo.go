package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	_ = identityv1alpha1.AddToScheme(s)
	return s
}()

// scimAnswers reports whether the SCIM server serves the tenant: it
// listens, its caches are filled and it takes the token.
func scimAnswers(ctx context.Context, access tenantAccess) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, access.url+"/ServiceProviderConfig", nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+access.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// demoDomain is the e-mail domain the demo workspace claims.
const demoDomain = "example.com"

// ensureDemo creates the demo namespace, the SQLite DSN Secret, the
// Workspace and a claim on example.com, each only when missing, so a second
// run finds what the first one made (and whatever the user changed).
func ensureDemo(ctx context.Context, c client.Client, cfg config) (*identityv1alpha1.Workspace, error) {
	dsn := "file:" + filepath.Join(cfg.state, "members.db")
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cfg.namespace}},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: cfg.namespace, Name: cfg.workspace + "-members-db"},
			StringData: map[string]string{"dsn": dsn},
		},
		&identityv1alpha1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Namespace: cfg.namespace, Name: cfg.workspace},
			Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
				Type: identityv1alpha1.BackendSQL,
				SQL: &identityv1alpha1.SQLBackend{
					Driver:       identityv1alpha1.SQLDriverSQLite,
					DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: cfg.workspace + "-members-db", Key: "dsn"},
				},
			}},
		},
		&identityv1alpha1.WorkspaceDomain{
			ObjectMeta: metav1.ObjectMeta{Name: demoDomain},
			Spec: identityv1alpha1.WorkspaceDomainSpec{
				WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: cfg.namespace, Name: cfg.workspace},
			},
		},
	}
	created := map[client.Object]bool{}
	for _, obj := range objs {
		err := c.Create(ctx, obj)
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create %T %s: %w", obj, obj.GetName(), err)
		}
		created[obj] = err == nil
	}
	ws := &identityv1alpha1.Workspace{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: cfg.namespace, Name: cfg.workspace}, ws); err != nil {
		return nil, err
	}
	if !created[objs[2]] {
		step("found workspace %s/%s from an earlier run (created %s)", ws.Namespace, ws.Name, ws.CreationTimestamp.Format(time.RFC3339))
	} else {
		step("created demo workspace %s/%s (SQLite member store %s)", ws.Namespace, ws.Name, rel(cfg.root, dsn[len("file:"):]))
	}
	return ws, nil
}

// tenantAccess is what an identity provider needs to reach the workspace.
type tenantAccess struct {
	url   string
	token string
}

// waitForTenant waits until the workspace publishes its Tenant URL and token.
func waitForTenant(ctx context.Context, c client.Client, ws *identityv1alpha1.Workspace, mgr *managerProcess) (tenantAccess, error) {
	step("waiting for the workspace's Tenant URL and token")
	deadline := time.After(2 * time.Minute)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		got := &identityv1alpha1.Workspace{}
		if err := c.Get(ctx, client.ObjectKeyFromObject(ws), got); err == nil &&
			meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady) && got.Status.TenantURL != "" {
			secret := &corev1.Secret{}
			key := types.NamespacedName{Namespace: got.Namespace, Name: got.Status.TokenSecretName}
			if err := c.Get(ctx, key, secret); err == nil {
				access := tenantAccess{url: got.Status.TenantURL, token: string(secret.Data[identityv1alpha1.TokenSecretKey])}
				// On a restart the status is there from the last run before
				// the SCIM server listens: print nothing until it answers.
				if scimAnswers(ctx, access) {
					return access, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return tenantAccess{}, ctx.Err()
		case err := <-mgr.exited:
			return tenantAccess{}, fmt.Errorf("the manager exited early: %w", err)
		case <-deadline:
			return tenantAccess{}, fmt.Errorf("workspace %s/%s published no Tenant URL within 2 minutes; see %s", ws.Namespace, ws.Name, mgr.logPath)
		case <-tick.C:
		}
	}
}

// ensureNamespace creates namespace name unless it exists: the operator's
// namespace, where the controllers publish the SCIM token digests.
func ensureNamespace(ctx context.Context, c client.Client, name string) error {
	err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}
