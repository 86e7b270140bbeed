package memberbackend_test

import (
	"context"
	"path/filepath"
	"testing"

	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Every call to a workspace's backend is timed and every failure counted
// by kind, under the workspace's name, on the manager's metrics endpoint.
func TestBackendCallsAreMeasured(t *testing.T) {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db"},
		Data: map[string][]byte{"dsn": []byte("file:" + filepath.Join(t.TempDir(), "m.db"))}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(secret).Build()
	cache := memberbackend.NewCache(c, c)
	defer cache.Close()
	ws := sqliteWorkspace()
	ws.Name = "measured"
	b, err := cache.Open(ctx, ws)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := b.Upsert(ctx, backend.Member{Key: "k", UserName: "u", Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AddGroupMembers(ctx, "no-such-group", []string{"k"}); err == nil {
		t.Fatal("adding to an unknown group succeeded")
	}

	upserts := samples(t, "rollcall_backend_call_duration_seconds", "ns/measured", "Upsert")
	if len(upserts) != 1 || upserts[0].GetHistogram().GetSampleCount() != 3 || labelOf(upserts[0], "outcome") != "ok" {
		t.Errorf("Upsert durations = %v, want 3 observations with outcome ok", upserts)
	}
	failures := samples(t, "rollcall_backend_call_errors_total", "ns/measured", "AddGroupMembers")
	if len(failures) != 1 || failures[0].GetCounter().GetValue() != 1 {
		t.Errorf("AddGroupMembers errors = %v, want one, counted by its kind", failures)
	}
}

// samples gathers the series of metric for one workspace and operation.
func samples(t *testing.T, metric, workspace, operation string) []*dto.Metric {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []*dto.Metric
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["workspace"] == workspace && labels["operation"] == operation {
				out = append(out, m)
			}
		}
	}
	return out
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
