package workspaceuser

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// defaultResync applies when a Workspace has no resyncInterval.
const defaultResync = 10 * time.Minute

// reconcileNormal passes the user through the gate, then makes the backend
// hold the member the spec describes.
func (r *Reconciler) reconcileNormal(ctx context.Context, user *identityv1alpha1.WorkspaceUser, st *state) (ctrl.Result, error) {
	ws, err := r.workspaceOf(ctx, user)
	if err != nil {
		return ctrl.Result{}, err
	}
	if ws == nil {
		c := conditions.False(identityv1alpha1.ConditionSynced, identityv1alpha1.ReasonWorkspaceNotFound,
			fmt.Sprintf("workspace %s does not exist: the user waits for it", user.Spec.WorkspaceRef.Name), user.Generation)
		st.synced = &c
		return ctrl.Result{}, nil
	}
	if !ws.DeletionTimestamp.IsZero() {
		// The Workspace controller deletes the user next, and its finalizer
		// deprovisions the member by the policy: nothing is sent to the
		// backend meanwhile, and the gate deactivates no one (a WorkspaceDomain
		// deleted along with the workspace is no withdrawn verification).
		st.skipStatus = true
		return ctrl.Result{}, nil
	}
	gate, err := r.checkDomain(ctx, user, st.domain)
	if err != nil {
		return ctrl.Result{}, err
	}
	st.domainVerified = &gate
	if gate.Status != metav1.ConditionTrue {
		return r.hold(ctx, user, ws, st)
	}
	return r.syncMember(ctx, user, ws, st)
}

// workspaceOf returns the user's Workspace, or nil when it does not exist.
func (r *Reconciler) workspaceOf(ctx context.Context, user *identityv1alpha1.WorkspaceUser) (*identityv1alpha1.Workspace, error) {
	ws := &identityv1alpha1.Workspace{}
	err := r.Get(ctx, types.NamespacedName{Namespace: user.Namespace, Name: user.Spec.WorkspaceRef.Name}, ws)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get workspace %s: %w", user.Spec.WorkspaceRef.Name, err)
	}
	return ws, nil
}

// hold keeps the user out of the backend. A user never let in sends
// nothing; a member let in before (its domain was verified, then revoked
// or denied) is deactivated, not deleted, and comes back when the domain is
// verified again. A teardown is no withdrawn verification (see teardown):
// then the member is left for the deprovisioning policy.
func (r *Reconciler) hold(ctx context.Context, user *identityv1alpha1.WorkspaceUser, ws *identityv1alpha1.Workspace, st *state) (ctrl.Result, error) {
	gen := user.Generation
	if st.memberKey == "" {
		found, err := r.unrecordedMember(ctx, user, ws, st)
		if !found {
			c := conditions.False(identityv1alpha1.ConditionSynced, st.domainVerified.Reason,
				"nothing is sent to the member backend until the domain is verified", gen)
			st.synced = &c
			if errors.Is(err, errBusy) {
				// The workspace's slots are taken: ask again shortly.
				return ctrl.Result{RequeueAfter: r.busyRetry()}, nil
			}
			if err != nil {
				// The backend cannot tell now; ask again at the next resync.
				log.FromContext(ctx).V(1).Info("cannot tell whether a held user has a member", "error", err.Error())
				return ctrl.Result{RequeueAfter: resyncAfter(ws)}, nil
			}
			return ctrl.Result{}, nil
		}
		st.memberKey = MemberKey(user)
	}
	b, err := r.openBackend(ctx, ws, st)
	if err != nil {
		return r.failOpen(user, st, "open the member backend", err)
	}
	m, found, err := b.Observe(ctx, st.memberKey)
	if err != nil {
		return failSync(st, gen, fmt.Sprintf("read member %s", st.memberKey), err)
	}
	if found && m.Active {
		teardown, err := r.teardown(ctx, user, st.domain)
		if err != nil {
			return ctrl.Result{}, err
		}
		if teardown != "" {
			// Not a withdrawn verification: the deprovisioning policy decides.
			log.FromContext(ctx).Info("left member as it is: "+teardown, "member", st.memberKey, "domain", st.domain)
			st.skipStatus = true
			return ctrl.Result{}, nil
		}
		if err := b.Deactivate(ctx, st.memberKey); err != nil {
			return failSync(st, gen, fmt.Sprintf("deactivate member %s", st.memberKey), err)
		}
		log.FromContext(ctx).Info("deactivated member: its domain is not verified", "member", st.memberKey, "domain", st.domain)
	}
	c := conditions.False(identityv1alpha1.ConditionSynced, st.domainVerified.Reason,
		fmt.Sprintf("member %s is deactivated until domain %s is verified", st.memberKey, st.domain), gen)
	st.synced = &c
	return ctrl.Result{RequeueAfter: resyncAfter(ws)}, nil
}

// unrecordedMember asks the backend whether a user whose member key is not
// on record has a member all the same: one written just before the operator
// stopped, ahead of the status write that records its key.
func (r *Reconciler) unrecordedMember(ctx context.Context, user *identityv1alpha1.WorkspaceUser, ws *identityv1alpha1.Workspace, st *state) (bool, error) {
	b, err := r.openBackend(ctx, ws, st)
	if err != nil {
		return false, err
	}
	_, found, err := b.Observe(ctx, MemberKey(user))
	if err != nil {
		return false, fmt.Errorf("read member %s: %w", MemberKey(user), err)
	}
	return found, nil
}

// syncMember compares the backend's member with the spec and writes it when
// they differ (created, changed, or drifted in the backend).
func (r *Reconciler) syncMember(ctx context.Context, user *identityv1alpha1.WorkspaceUser, ws *identityv1alpha1.Workspace, st *state) (ctrl.Result, error) {
	gen := user.Generation
	key := MemberKey(user)
	st.memberKey = key
	b, err := r.openBackend(ctx, ws, st)
	if err != nil {
		return r.failOpen(user, st, "open the member backend", err)
	}
	desired, err := memberOf(user, key)
	if err != nil {
		return failSync(st, gen, "encode member "+key, backend.Rejected(err))
	}
	// The key is recorded by the status write after the backend write, not
	// before it: if the operator stops in between, the key is derived from
	// the user again (MemberKey), and hold and reconcileDelete ask the
	// backend for a member whose key is not on record.
	observed, found, err := b.Observe(ctx, key)
	if err != nil {
		return failSync(st, gen, "read member "+key, err)
	}
	wrote := !found || !backend.Equal(observed, desired)
	if wrote {
		if err := b.Upsert(ctx, desired); err != nil {
			return failSync(st, gen, "write member "+key, err)
		}
		log.FromContext(ctx).Info("wrote member", "member", key, "existed", found, "active", desired.Active)
	}
	if wrote || st.lastSync == nil {
		// Not on every resync: a member found as it should be changes
		// nothing, so 10,000 users at rest cost no status writes.
		now := metav1.NewTime(r.now())
		st.lastSync = &now
	}
	state := "active"
	if !desired.Active {
		state = "inactive"
	}
	st.synced = syncedCondition(gen, fmt.Sprintf("member %s is %s and matches the spec", key, state))
	return ctrl.Result{RequeueAfter: resyncAfter(ws)}, nil
}

// resyncAfter is the workspace's resync interval with ±10% jitter, so users
// created together do not resync together.
func resyncAfter(ws *identityv1alpha1.Workspace) time.Duration {
	d := defaultResync
	if ws.Spec.ResyncInterval != nil && ws.Spec.ResyncInterval.Duration > 0 {
		d = ws.Spec.ResyncInterval.Duration
	}
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}
