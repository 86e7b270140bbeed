package workspacegroup

import (
	"context"
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

// reconcileNormal makes the backend hold the group as its spec describes
// and, as its members, the group's let-in users.
func (r *Reconciler) reconcileNormal(ctx context.Context, group *identityv1alpha1.WorkspaceGroup, st *state) (ctrl.Result, error) {
	gen := group.Generation
	ws, err := r.workspaceOf(ctx, group)
	if err != nil {
		return ctrl.Result{}, err
	}
	if ws == nil {
		c := conditions.False(identityv1alpha1.ConditionSynced, identityv1alpha1.ReasonWorkspaceNotFound,
			fmt.Sprintf("workspace %s does not exist: the group waits for it", group.Spec.WorkspaceRef.Name), gen)
		st.synced = &c
		return ctrl.Result{}, nil
	}
	if !ws.DeletionTimestamp.IsZero() {
		// As for users: nothing is sent to the backend of a workspace being
		// deleted; the group's own deletion applies the policy.
		st.skipStatus = true
		return ctrl.Result{}, nil
	}
	shards, err := r.shardsOf(ctx, group)
	if err != nil {
		return ctrl.Result{}, err
	}
	b, err := r.openBackend(ctx, ws, st)
	if err != nil {
		return r.failOpen(group, st, "open the member backend", err)
	}
	wroteGroup, err := r.syncGroup(ctx, b, group)
	if err != nil {
		return failSync(st, gen, "write group "+st.groupKey, err)
	}
	actual, err := b.GroupMembers(ctx, st.groupKey)
	if err != nil {
		return failSync(st, gen, "read the members of group "+st.groupKey, err)
	}
	plan := r.planMembers(group, shards, actual)
	if err := applyPlan(ctx, b, st.groupKey, plan); err != nil {
		return failSync(st, gen, "write the members of group "+st.groupKey, err)
	}
	wrote := wroteGroup || len(plan.add) > 0 || len(plan.remove) > 0
	if wrote {
		// The backend skips keys of members it does not hold: count what
		// it holds now, not what was asked.
		if actual, err = b.GroupMembers(ctx, st.groupKey); err != nil {
			return failSync(st, gen, "read the members of group "+st.groupKey, err)
		}
		plan = r.planMembers(group, shards, actual)
		now := metav1.NewTime(r.now())
		st.lastSync = &now
		log.FromContext(ctx).Info("wrote group", "group", st.groupKey, "wroteGroup", wroteGroup,
			"added", len(plan.add), "removed", len(plan.remove))
	}
	r.recordPlan(group, st, plan)
	return ctrl.Result{RequeueAfter: resyncAfter(ws)}, nil
}

// syncGroup writes the group when the backend's differs from the spec (or
// is missing). It reports whether it wrote.
func (r *Reconciler) syncGroup(ctx context.Context, b backend.Backend, group *identityv1alpha1.WorkspaceGroup) (bool, error) {
	desired := desiredGroup(group)
	observed, found, err := b.ObserveGroup(ctx, desired.Key)
	if err != nil {
		return false, err
	}
	if found && observed == desired {
		return false, nil
	}
	return true, b.UpsertGroup(ctx, desired)
}

// applyPlan removes and adds memberships in batches of
// backend.MaxGroupMembersPerCall.
func applyPlan(ctx context.Context, b backend.Backend, groupKey string, plan memberPlan) error {
	for batch := range chunks(plan.remove) {
		if err := b.RemoveGroupMembers(ctx, groupKey, batch); err != nil {
			return err
		}
	}
	for batch := range chunks(plan.add) {
		if err := b.AddGroupMembers(ctx, groupKey, batch); err != nil {
			return err
		}
	}
	return nil
}

// chunks yields keys in batches of at most backend.MaxGroupMembersPerCall.
func chunks(keys []string) func(yield func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(keys) > 0 {
			n := min(len(keys), backend.MaxGroupMembersPerCall)
			if !yield(keys[:n]) {
				return
			}
			keys = keys[n:]
		}
	}
}

// recordPlan sets the member counts and the Synced condition from plan
// (taken after the writes, so it has nothing left to apply).
func (r *Reconciler) recordPlan(group *identityv1alpha1.WorkspaceGroup, st *state, plan memberPlan) {
	synced := plan.synced - len(plan.add)
	st.counts = &identityv1alpha1.GroupMemberCounts{Total: int32(plan.total), Synced: int32(synced), Pending: int32(plan.total - synced)}
	st.pendingWhy = pendingWhy(group.Name, plan)
	msg := fmt.Sprintf("group %s and the memberships of its %d let-in members match the backend", st.groupKey, synced)
	if missing := len(plan.add); missing > 0 {
		// Asked for and skipped by the backend: it does not hold their
		// members (the user controller restores them on its resync).
		msg = fmt.Sprintf("group %s matches the backend; %d let-in members are not members of the backend, so their memberships wait",
			st.groupKey, missing)
	}
	st.synced = syncedCondition(group.Generation, msg)
}

// pendingWhy says why members wait, "" when none does.
func pendingWhy(name string, plan memberPlan) string {
	pending := plan.total - plan.synced + len(plan.add)
	if pending == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d members wait (%d not let in yet, %d with no such user, %d not held by the backend): "+
		"their memberships are applied when the user is let in (kubectl rollcall group members %s)",
		pending, plan.total, plan.notLetIn, plan.noSuchUser, len(plan.add), name)
}

// workspaceOf returns the group's Workspace, or nil when it does not exist.
func (r *Reconciler) workspaceOf(ctx context.Context, group *identityv1alpha1.WorkspaceGroup) (*identityv1alpha1.Workspace, error) {
	ws := &identityv1alpha1.Workspace{}
	err := r.Get(ctx, types.NamespacedName{Namespace: group.Namespace, Name: group.Spec.WorkspaceRef.Name}, ws)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get workspace %s: %w", group.Spec.WorkspaceRef.Name, err)
	}
	return ws, nil
}

// resyncAfter is the workspace's resync interval with ±10% jitter, so
// groups created together do not resync together.
func resyncAfter(ws *identityv1alpha1.Workspace) time.Duration {
	d := defaultResync
	if ws.Spec.ResyncInterval != nil && ws.Spec.ResyncInterval.Duration > 0 {
		d = ws.Spec.ResyncInterval.Duration
	}
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}
