package memberbackend_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

func sqliteWorkspace() *identityv1alpha1.Workspace {
	return &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"},
		Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendSQL,
			SQL: &identityv1alpha1.SQLBackend{Driver: identityv1alpha1.SQLDriverSQLite,
				DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "db", Key: "dsn"}, MaxConnections: 2},
			RateLimit: &identityv1alpha1.RateLimit{RequestsPerSecond: 7, Burst: 3},
		}},
	}
}

// unwrapAll peels the wrappers (rate limit, metrics) off a backend.
func unwrapAll(b backend.Backend) backend.Backend {
	for {
		w, ok := b.(interface{ Unwrap() backend.Backend })
		if !ok {
			return b
		}
		b = w.Unwrap()
	}
}

func isSQL(b backend.Backend) bool {
	_, ok := b.(*sqlbackend.Backend)
	return ok
}

func TestCacheReusesAndRebuilds(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db"},
		Data: map[string][]byte{"dsn": []byte("file:" + filepath.Join(t.TempDir(), "a.db"))}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(secret).Build()
	cache := memberbackend.NewCache(c, c)
	defer cache.Close()
	ws := sqliteWorkspace()

	first, err := cache.Open(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	limited, ok := first.(*backend.RateLimited)
	if !ok {
		t.Fatalf("backend is %T, want rate limited", first)
	}
	if rps, burst := limited.Limit(); rps != 7 || burst != 3 {
		t.Fatalf("limit = %v/%d, want 7/3", rps, burst)
	}
	if driver := unwrapAll(limited); !isSQL(driver) {
		t.Fatalf("driver is %T, want the SQL backend", driver)
	}
	again, err := cache.Open(ctx, ws)
	if err != nil || again != first {
		t.Fatalf("second open returned a new backend (%v)", err)
	}
	if err := first.Upsert(ctx, backend.Member{Key: "k", UserName: "u", Active: true}); err != nil {
		t.Fatal(err)
	}

	secret.Data["dsn"] = []byte("file:" + filepath.Join(t.TempDir(), "b.db"))
	if err := c.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := cache.Open(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt == first {
		t.Fatal("a changed Secret did not rebuild the backend")
	}
	if _, found, err := rebuilt.Observe(ctx, "k"); err != nil || found {
		t.Fatalf("the rebuilt backend uses the old database (found=%v, err=%v)", found, err)
	}
	if _, _, err := first.Observe(ctx, "k"); err == nil {
		t.Fatal("the replaced backend was not closed")
	}

	ws.Spec.Backend.RateLimit.RequestsPerSecond = 9
	changed, err := cache.Open(ctx, ws)
	if err != nil || changed == rebuilt {
		t.Fatalf("a changed spec did not rebuild the backend (%v)", err)
	}

	// Run as a manager runnable, the cache closes its backends on shutdown.
	stop, cancel := context.WithCancel(ctx)
	cancel()
	if err := cache.Start(stop); err != nil {
		t.Fatal(err)
	}
	if _, _, err := changed.Observe(ctx, "k"); err == nil {
		t.Fatal("the backend is still open after shutdown")
	}
}

func TestCacheReportsMissingSecretAndKey(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	c := fake.NewClientBuilder().WithScheme(scheme).Build()
	cache := memberbackend.NewCache(c, c)
	ws := sqliteWorkspace()
	if _, err := cache.Open(ctx, ws); !errors.Is(err, memberbackend.ErrSecretNotFound) {
		t.Fatalf("missing Secret: got %v, want ErrSecretNotFound", err)
	}
	if _, err := cache.Open(ctx, ws); backend.KindOf(err) != backend.KindInvalidConfig {
		t.Fatalf("missing Secret: got kind %s, want InvalidConfig", backend.KindOf(err))
	}
	if _, err := cache.Open(ctx, ws); memberbackend.ReasonOf(err) != identityv1alpha1.ReasonSecretNotFound {
		t.Fatalf("missing Secret: got reason %s, want %s", memberbackend.ReasonOf(err), identityv1alpha1.ReasonSecretNotFound)
	}
	if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db"},
		Data: map[string][]byte{"other": []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Open(ctx, ws); backend.KindOf(err) != backend.KindInvalidConfig {
		t.Fatalf("missing key: got %v, want InvalidConfig", err)
	}
}
