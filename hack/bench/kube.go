package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/hack/bench/scimload"
	"github.com/rollcall-dev/rollcall/internal/approval"
)

// Where the local stack's demo workspace is (hack/runlocal's defaults) and
// the workspace the raw creates go to.
const (
	demoNamespace = "demo"
	demoWorkspace = "demo"
	demoDomain    = "example.com"
	rawNamespace  = "bench-raw"
	rawWorkspace  = "raw"
	rawDomain     = "raw.example.com"
	// fillerDomain is claimed by no workspace: filler users, created only
	// to reach a filter size, are held by the controller, not provisioned.
	fillerDomain = "filler.example.net"
	benchLimit   = 10000
)

// kube is the bench's admin access to the local API server.
type kube struct {
	c       client.Client
	metrics apiMetrics
}

func newKube(kubeconfig string) (*kube, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	// The bench's own client must not be what limits the raw create rate.
	cfg.QPS, cfg.Burst = 1e5, 1e5
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := identityv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &kube{c: c, metrics: apiMetrics{rest: cs.CoreV1().RESTClient()}}, nil
}

// raiseLimits sets the workspace's SCIM and backend rate limits to
// benchLimit, so that they do not cap the figures.
func (k *kube) raiseLimits(ctx context.Context, namespace, name string) error {
	limit := fmt.Sprintf(`{"requestsPerSecond":%d,"burst":%d}`, benchLimit, benchLimit)
	p := []byte(fmt.Sprintf(`{"spec":{"scim":{"rateLimit":%s},"backend":{"rateLimit":%s}}}`, limit, limit))
	ws := &identityv1alpha1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if err := k.c.Patch(ctx, ws, client.RawPatch(types.MergePatchType, p)); err != nil {
		return fmt.Errorf("raise the rate limits of workspace %s/%s: %w", namespace, name, err)
	}
	return nil
}

// approveDemoDomain approves example.com the way `kubectl rollcall domain
// approve` does, so the demo workspace's users are provisioned, not held.
func (k *kube) approveDemoDomain(ctx context.Context) error {
	err := approval.Apply(ctx, k.c, approval.Approve, demoDomain, approval.Options{Message: "approved for the benchmark"})
	if err != nil {
		return err
	}
	return k.waitVerified(ctx, demoDomain)
}

// createRawWorkspace makes the workspace the raw creates go to: SQLite
// store <state>/raw-members.db, a preapproved domain, the same raised
// limits. Its users are provisioned by the same controllers as the demo's.
func (k *kube) createRawWorkspace(ctx context.Context, state string) error {
	dsn := "file:" + filepath.Join(state, "raw-members.db")
	disabled := false
	limit := &identityv1alpha1.RateLimit{RequestsPerSecond: benchLimit, Burst: benchLimit}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: rawNamespace}},
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: rawNamespace, Name: "raw-members-db"},
			StringData: map[string]string{"dsn": dsn},
		},
		&identityv1alpha1.Workspace{
			ObjectMeta: metav1.ObjectMeta{Namespace: rawNamespace, Name: rawWorkspace},
			Spec: identityv1alpha1.WorkspaceSpec{
				Backend: identityv1alpha1.BackendSpec{
					Type: identityv1alpha1.BackendSQL,
					SQL: &identityv1alpha1.SQLBackend{
						Driver:       identityv1alpha1.SQLDriverSQLite,
						DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "raw-members-db", Key: "dsn"},
					},
					RateLimit: limit,
				},
				SCIM: identityv1alpha1.SCIMSpec{Enabled: &disabled, RateLimit: limit},
			},
		},
		&identityv1alpha1.WorkspaceDomain{
			ObjectMeta: metav1.ObjectMeta{Name: rawDomain},
			Spec: identityv1alpha1.WorkspaceDomainSpec{
				WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: rawNamespace, Name: rawWorkspace},
				Verification: identityv1alpha1.DomainVerification{Method: identityv1alpha1.VerificationPreapproved},
			},
		},
	}
	for _, obj := range objs {
		if err := k.c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %T %s: %w", obj, obj.GetName(), err)
		}
	}
	return k.waitVerified(ctx, rawDomain)
}

func (k *kube) waitVerified(ctx context.Context, domain string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		d := &identityv1alpha1.WorkspaceDomain{}
		if err := k.c.Get(ctx, client.ObjectKey{Name: domain}, d); err == nil &&
			meta.IsStatusConditionTrue(d.Status.Conditions, identityv1alpha1.ConditionVerified) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("domain %s not verified within a minute", domain)
		}
		if err := sleepCtx(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
}

// rawUser is a WorkspaceUser as the SCIM server would write it for a POST
// of naming's user i, created directly instead.
func rawUser(namespace, workspace, objectPrefix string, naming scimload.Naming, i int) *identityv1alpha1.WorkspaceUser {
	active := true
	userName := naming.UserName(i)
	return &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace,
			Name:      fmt.Sprintf("%s%07d", objectPrefix, i),
			Labels:    map[string]string{identityv1alpha1.LabelWorkspace: workspace},
		},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: workspace},
			UserName:     userName,
			ExternalID:   naming.ExternalID(i),
			Active:       &active,
			DisplayName:  "Bench " + naming.ExternalID(i),
			Name:         &identityv1alpha1.Name{Formatted: "Bench " + naming.ExternalID(i), GivenName: "Bench", FamilyName: naming.ExternalID(i)},
			Emails:       []identityv1alpha1.Email{{Value: userName, Type: "work", Primary: true}},
		},
	}
}

// rawCreate creates users from..to-1 directly through the API server with
// concurrency workers and returns the create latencies and the elapsed time.
func (k *kube) rawCreate(ctx context.Context, concurrency int, from, to int, mk func(i int) *identityv1alpha1.WorkspaceUser) (*scimload.Latencies, time.Duration, error) {
	next := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(next)
		for i := from; i < to; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var mu sync.Mutex
	lat := &scimload.Latencies{}
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range max(concurrency, 1) {
		wg.Go(func() {
			for i := range next {
				t := time.Now()
				err := k.c.Create(ctx, mk(i))
				d := time.Since(t)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				if err == nil {
					lat.Add(d)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return lat, elapsed, fmt.Errorf("raw create: %w", firstErr)
	}
	return lat, elapsed, ctx.Err()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
