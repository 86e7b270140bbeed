package workspaceuser_test

import (
	"context"
	"sync"
	"testing"

	. "github.com/onsi/gomega"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// stuckOpener gives workspace "stuck" a backend whose every call hangs (an
// application that accepts connections and never answers) and every other
// workspace a working in-memory one.
type stuckOpener struct {
	*fakeOpener
	entered chan struct{}
	once    sync.Once
}

func (o *stuckOpener) Open(ctx context.Context, ws *identityv1alpha1.Workspace) (backend.Backend, error) {
	b, err := o.fakeOpener.Open(ctx, ws)
	if ws.Name != "stuck" {
		return b, err
	}
	return hangingBackend{Backend: b, opener: o}, err
}

type hangingBackend struct {
	backend.Backend
	opener *stuckOpener
}

func (b hangingBackend) Observe(ctx context.Context, _ string) (backend.Member, bool, error) {
	b.opener.once.Do(func() { close(b.opener.entered) })
	<-ctx.Done()
	return backend.Member{}, false, backend.Unavailable(ctx.Err())
}

// One workspace whose application hangs does not hold up the users of the
// others.
func TestHangingBackendDoesNotBlockOtherWorkspaces(t *testing.T) {
	g := NewWithT(t)
	opener := &stuckOpener{fakeOpener: &fakeOpener{}, entered: make(chan struct{})}
	startController(t, opener)
	ns := testenv.NewNamespace(t, env.Client)
	stuck := newWorkspace(t, ns, "stuck")
	claimDomain(t, "stuck.example", stuck, true)
	fine := newWorkspace(t, ns, "fine")
	claimDomain(t, "fine.example", fine, true)

	newUser(t, ns, "waiting", "stuck", "waiting@stuck.example")
	g.Eventually(opener.entered).WithTimeout(timeout).Should(BeClosed())

	u := newUser(t, ns, "ready", "fine", "ready@fine.example")
	got := waitSynced(t, u)
	g.Expect(opener.backend(ns, "fine").Members()).To(HaveLen(1))
	g.Expect(got.Status.MemberKey).NotTo(BeEmpty())
}
