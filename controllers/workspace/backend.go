package workspace

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/conditions"
	"github.com/rollcall-dev/rollcall/internal/indexes"
)

// Names of BackendReconciler, kept as first released for the reasons given
// at FieldOwner. Its events are reported under BackendFieldOwner.
const (
	// BackendFieldOwner is the server-side-apply field manager of
	// BackendReconciler: it owns the BackendReady condition and status.users.
	BackendFieldOwner = "rollcall-workspace-backend-controller"
	// BackendControllerName names BackendReconciler in controller-runtime's
	// metrics and logs.
	BackendControllerName = "workspace-backend"
)

// ProbeKey is the member key the reachability probe reads. No member has
// it: member keys are "<namespace>:<workspace>:<uid>".
const ProbeKey = "rollcall-probe"

// BackendReconciler reports whether a Workspace's member backend is
// reachable (condition BackendReady), counts its users by state
// (status.users) and gathers the unknown attributes the SCIM server dropped
// from them (status.ignoredAttributes, with a Warning event per new name). It runs beside Reconciler and writes with its own field
// manager, so neither removes the other's fields.
type BackendReconciler struct {
	client.Client
	// Backends opens the workspace's backend; share the WorkspaceUser
	// controller's memberbackend.Cache so both use one connection pool.
	Backends memberbackend.Opener
	// Recorder records the controller's events; nil means the manager's
	// recorder for BackendFieldOwner.
	Recorder events.EventRecorder
	// ProbeInterval is how often reachability is checked (with jitter);
	// zero means one minute.
	ProbeInterval time.Duration
	// CountDelay gathers bursts of user changes into one count; zero means 2s.
	CountDelay time.Duration
	// Clock tells the time; nil means the real clock (clock.RealClock).
	// Tests may set a fake one (k8s.io/utils/clock/testing).
	Clock clock.PassiveClock
	// Workers is how many workspaces are probed at once
	// (MaxConcurrentReconciles); zero means 4, so
	// that a backend that hangs does not hold up the others' probes.
	Workers int
}

// forgetter is an Opener that can drop a deleted workspace's backend.
type forgetter interface {
	Forget(types.NamespacedName)
}

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile probes the workspace's backend and counts its users.
func (r *BackendReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ws := &identityv1alpha1.Workspace{}
	if err := r.Get(ctx, req.NamespacedName, ws); err != nil {
		if f, ok := r.Backends.(forgetter); ok && client.IgnoreNotFound(err) == nil {
			f.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ws.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("workspace", klog.KObj(ws).String()))
	ready := r.probe(ctx, ws)
	counts, ignored, err := r.countUsers(ctx, ws)
	if err != nil {
		return ctrl.Result{}, err
	}
	r.reportNewIgnored(ws, ignored)
	if err := r.applyBackendStatus(ctx, ws, ready, counts, ignored); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: r.probeAfter()}, nil
}

// probe opens the backend and reads a member that does not exist: the
// cheapest call that proves the backend answers and takes the credentials.
func (r *BackendReconciler) probe(ctx context.Context, ws *identityv1alpha1.Workspace) metav1.Condition {
	gen := ws.Generation
	b, err := r.Backends.Open(ctx, ws)
	if err == nil {
		_, _, err = b.Observe(ctx, ProbeKey)
	}
	if err != nil {
		return conditions.False(identityv1alpha1.ConditionBackendReady, memberbackend.ReasonOf(err), "the member backend is not usable: "+err.Error(), gen)
	}
	return conditions.True(identityv1alpha1.ConditionBackendReady, identityv1alpha1.ReasonReconciled,
		fmt.Sprintf("the %s member backend answers", ws.Spec.Backend.Type), gen)
}

// countUsers counts the workspace's users by state and gathers their
// ignored attributes, from the cache.
func (r *BackendReconciler) countUsers(ctx context.Context, ws *identityv1alpha1.Workspace) (identityv1alpha1.UserCounts, []string, error) {
	users := &identityv1alpha1.WorkspaceUserList{}
	// Read only, so the cache's objects are counted in place: a deep copy of
	// every user per count would cost more than the count at 100,000 users.
	if err := r.List(ctx, users, client.InNamespace(ws.Namespace), client.MatchingFields{indexes.UserWorkspace: ws.Name},
		client.UnsafeDisableDeepCopy); err != nil {
		return identityv1alpha1.UserCounts{}, nil, fmt.Errorf("list users of workspace %s: %w", ws.Name, err)
	}
	return CountUsers(users.Items), IgnoredAttributes(users.Items), nil
}

// CountUsers counts users by state: active (spec), held (DomainVerified
// False), synced (Synced True) and failed (Synced False for another reason
// than being held).
func CountUsers(users []identityv1alpha1.WorkspaceUser) identityv1alpha1.UserCounts {
	var c identityv1alpha1.UserCounts
	for i := range users {
		u := &users[i]
		c.Total++
		if u.IsActive() {
			c.Active++
		}
		for _, cond := range u.Status.Conditions {
			switch {
			case cond.Type == identityv1alpha1.ConditionDomainVerified && cond.Status == metav1.ConditionFalse:
				c.Held++
			case cond.Type == identityv1alpha1.ConditionSynced && cond.Status == metav1.ConditionTrue:
				c.Synced++
			case cond.Type == identityv1alpha1.ConditionSynced && cond.Status == metav1.ConditionFalse &&
				cond.Reason != identityv1alpha1.ReasonDomainNotVerified && cond.Reason != identityv1alpha1.ReasonNoDomain:
				c.Failed++
			}
		}
	}
	return c
}

func (r *BackendReconciler) applyBackendStatus(ctx context.Context, ws *identityv1alpha1.Workspace, ready metav1.Condition,
	counts identityv1alpha1.UserCounts, ignored []string) error {
	status := ac.WorkspaceStatus().
		WithConditions(conditions.Apply(ws.Status.Conditions, ready, metav1.NewTime(r.now()))).
		WithUsers(ac.UserCounts().WithTotal(counts.Total).WithActive(counts.Active).WithHeld(counts.Held).
			WithSynced(counts.Synced).WithFailed(counts.Failed)).
		WithIgnoredAttributes(ignored...)
	if err := r.Status().Apply(ctx, ac.Workspace(ws.Name, ws.Namespace).WithStatus(status),
		client.FieldOwner(BackendFieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply backend status of workspace %s/%s: %w", ws.Namespace, ws.Name, err)
	}
	return nil
}

func (r *BackendReconciler) probeAfter() time.Duration {
	d := r.ProbeInterval
	if d <= 0 {
		d = time.Minute
	}
	return time.Duration(float64(d) * (0.9 + 0.2*rand.Float64()))
}

// SetupWithManager registers the controller: a Workspace is reconciled when
// its spec changes, when its backend Secret changes (metadata only), on the
// probe interval, and, gathered over CountDelay, when its users change.
// The field indexes it reads are registered by indexes.AddDefault.
func (r *BackendReconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager) error {
	if r.CountDelay <= 0 {
		r.CountDelay = 2 * time.Second
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(BackendFieldOwner)
	}
	if r.Workers <= 0 {
		r.Workers = 4
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&identityv1alpha1.Workspace{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers}).
		Watches(&identityv1alpha1.WorkspaceUser{}, r.delayedWorkspaceOfUser()).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.workspacesOfSecret)).
		Named(BackendControllerName).
		Complete(r)
}

// delayedWorkspaceOfUser enqueues a user's workspace after CountDelay; the
// queue merges the adds of a burst into one reconcile.
func (r *BackendReconciler) delayedWorkspaceOfUser() handler.EventHandler {
	add := func(obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		u, ok := obj.(*identityv1alpha1.WorkspaceUser)
		if !ok {
			return
		}
		q.AddAfter(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: u.Namespace, Name: u.Spec.WorkspaceRef.Name}}, r.CountDelay)
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(e.Object, q)
		},
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(e.ObjectNew, q)
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(e.Object, q)
		},
	}
}

func (r *BackendReconciler) workspacesOfSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	list := &identityv1alpha1.WorkspaceList{}
	if err := r.List(ctx, list, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{indexes.WorkspaceBackendSecret: secret.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "list workspaces of a backend Secret", "secret", secret.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, ws := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ws)})
	}
	return reqs
}

// now is the time by r.Clock.
func (r *BackendReconciler) now() time.Time {
	if r.Clock == nil {
		return clock.RealClock{}.Now()
	}
	return r.Clock.Now()
}
