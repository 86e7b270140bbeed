package workspaceuser_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// lostStatusClient loses every status write once lost is set: what the API
// server sees when the operator stops right after a backend call.
type lostStatusClient struct {
	client.Client
	lost *atomic.Bool
}

func (c lostStatusClient) Status() client.SubResourceWriter {
	return lostStatusWriter{SubResourceWriter: c.Client.Status(), lost: c.lost}
}

type lostStatusWriter struct {
	client.SubResourceWriter
	lost *atomic.Bool
}

func (w lostStatusWriter) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	if w.lost.Load() {
		return errors.New("the operator stopped before the status write")
	}
	return w.SubResourceWriter.Apply(ctx, obj, opts...)
}

// stopAfterUpsert sets stopped once a member has been written.
type stopAfterUpsert struct {
	opener  *fakeOpener
	stopped *atomic.Bool
}

func (o stopAfterUpsert) Open(ctx context.Context, ws *identityv1alpha1.Workspace) (backend.Backend, error) {
	b, err := o.opener.Open(ctx, ws)
	return upsertThenStop{Backend: b, stopped: o.stopped}, err
}

type upsertThenStop struct {
	backend.Backend
	stopped *atomic.Bool
}

func (b upsertThenStop) Upsert(ctx context.Context, m backend.Member) error {
	err := b.Backend.Upsert(ctx, m)
	if err == nil {
		b.stopped.Store(true)
	}
	return err
}

// startControllerLosingStatusAfterUpsert runs the controller with every
// status write lost once a member has been written: what the API server
// sees when the operator stops right after a backend call.
func startControllerLosingStatusAfterUpsert(t *testing.T, opener *fakeOpener) *atomic.Bool {
	g := NewWithT(t)
	stopped := &atomic.Bool{}
	mgr, err := env.NewControllerManager(ctrl.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	r := &workspaceuser.Reconciler{
		Client:      lostStatusClient{Client: mgr.GetClient(), lost: stopped},
		Backends:    stopAfterUpsert{opener: opener, stopped: stopped},
		BackoffBase: 100 * time.Millisecond,
		BackoffMax:  time.Second,
	}
	g.Expect(r.SetupWithManager(context.Background(), mgr)).To(Succeed())
	testenv.RunManager(t, mgr)
	return stopped
}

// A member written just before the status write was lost is still
// deprovisioned when the WorkspaceUser is deleted: its key is derived from
// the user, and a deletion with no key on record asks the backend for it.
func TestMemberWrittenBeforeALostStatusWriteIsDeprovisioned(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	stopped := startControllerLosingStatusAfterUpsert(t, opener)

	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "crash.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "hedy", "acme", "hedy@crash.example")
	g.Eventually(func(g Gomega) { g.Expect(b.Members()).To(HaveLen(1)) }).WithTimeout(timeout).Should(Succeed())
	g.Expect(stopped.Load()).To(BeTrue())
	key := b.Members()[0].Key

	g.Expect(env.Client.Delete(context.Background(), u)).To(Succeed())
	g.Eventually(func(g Gomega) { gone(g, u) }).WithTimeout(timeout).Should(Succeed())
	m := memberOf(g, b, key)
	g.Expect(m.Active).To(BeFalse(), "the deleted user's member is deactivated (policy Deactivate), not left active")
}

// A member written just before the status write was lost is still
// deactivated when its domain's verification is withdrawn: a held user with
// no key on record is looked up in the backend under its derived key.
func TestMemberWrittenBeforeALostStatusWriteIsHeld(t *testing.T) {
	g := NewWithT(t)
	opener := &fakeOpener{}
	stopped := startControllerLosingStatusAfterUpsert(t, opener)

	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	domain := claimDomain(t, "crash.example", ws, true)
	b := opener.backend(ns, "acme")
	u := newUser(t, ns, "hedy", "acme", "hedy@crash.example")
	g.Eventually(func(g Gomega) { g.Expect(b.Members()).To(HaveLen(1)) }).WithTimeout(timeout).Should(Succeed())
	g.Expect(stopped.Load()).To(BeTrue())
	key := b.Members()[0].Key
	g.Expect(getUser(g, u).Status.MemberKey).To(BeEmpty(), "the status write that records the key was lost")

	setVerified(t, domain, metav1.ConditionFalse, identityv1alpha1.ReasonRevoked)
	g.Eventually(func(g Gomega) {
		g.Expect(memberOf(g, b, key).Active).To(BeFalse(), "the held user's member is deactivated, not left active")
	}).WithTimeout(timeout).Should(Succeed())
}
