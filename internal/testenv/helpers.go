package testenv

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/rollcall-dev/rollcall/internal/indexes"
)

// NewNamespace creates a namespace with a generated name for one test and
// deletes it when the test ends.
func NewNamespace(t testing.TB, c client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), ns) })
	return ns.Name
}

// NewManager returns a manager for the control plane with metrics and
// health probes off, so several can run in one test binary.
func (e *Env) NewManager(opts ctrl.Options) (ctrl.Manager, error) {
	opts.Scheme = e.Scheme
	opts.Metrics = metricsserver.Options{BindAddress: "0"}
	opts.HealthProbeBindAddress = "0"
	skip := true
	opts.Controller = config.Controller{SkipNameValidation: &skip}
	return ctrl.NewManager(e.Config, opts)
}

// NewControllerManager is NewManager with the controllers' field indexes
// registered (indexes.AddDefault), as cmd/manager sets up the manager the
// controllers run in. Register them once per manager: a controller's
// SetupWithManager registers none.
func (e *Env) NewControllerManager(opts ctrl.Options) (ctrl.Manager, error) {
	mgr, err := e.NewManager(opts)
	if err != nil {
		return nil, err
	}
	if err := indexes.AddDefault(context.Background(), mgr.GetFieldIndexer()); err != nil {
		return nil, err
	}
	return mgr, nil
}

// RunManager starts mgr in the background and stops it when the test ends.
func RunManager(t testing.TB, mgr ctrl.Manager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager stopped with error: %v", err)
		}
	})
}
