package workspace_test

import (
	"context"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// hangingOpener gives workspace "stuck" a backend that never answers (until
// the manager stops) and every other workspace a working in-memory one.
type hangingOpener struct {
	entered chan struct{}
	once    sync.Once
}

func (o *hangingOpener) Open(ctx context.Context, ws *identityv1alpha1.Workspace) (backend.Backend, error) {
	if ws.Name != "stuck" {
		return fake.New(), nil
	}
	o.once.Do(func() { close(o.entered) })
	<-ctx.Done()
	return nil, backend.Unavailable(ctx.Err())
}

// A workspace whose backend hangs does not hold up the probes of the others.
func TestHangingProbeDoesNotBlockOtherWorkspaces(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	opener := &hangingOpener{entered: make(chan struct{})}
	g.Expect((&workspace.BackendReconciler{Client: mgr.GetClient(), Backends: opener, CountDelay: 200 * time.Millisecond}).
		SetupWithManager(ctx, mgr)).To(Succeed())
	testenv.RunManager(t, mgr)

	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, sqliteWorkspace(ns, "stuck"))).To(Succeed())
	g.Eventually(opener.entered).WithTimeout(20 * time.Second).Should(BeClosed())

	fine := sqliteWorkspace(ns, "fine")
	g.Expect(env.Client.Create(ctx, fine)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(fine), got)).To(Succeed())
		g.Expect(meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionBackendReady)).To(
			HaveField("Status", metav1.ConditionTrue))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}
