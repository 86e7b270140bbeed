package workspacegroup

import (
	"context"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
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
	"github.com/rollcall-dev/rollcall/internal/indexes"
)

// SetupWithManager registers the controller; the field indexes it reads
// are registered by indexes.AddDefault. A group is reconciled when its
// spec, resync annotation, finalizers or deletion change; when one of its
// WorkspaceGroupMemberships changes; when a WorkspaceUser listed in it is
// let in, stops being let in or is deleted (userEvents); when its
// Workspace's spec changes or its BackendReady turns True; when the Secret
// its workspace's backend reads changes; and on a jittered resync.
func (r *Reconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(EventReporter)
	}
	if r.BackoffBase <= 0 {
		r.BackoffBase = time.Second
	}
	if r.BackoffMax <= 0 {
		r.BackoffMax = 5 * time.Minute
	}
	if r.Workers <= 0 {
		r.Workers = 2
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&identityv1alpha1.WorkspaceGroup{}, builder.WithPredicates(groupChanged())).
		Watches(&identityv1alpha1.WorkspaceGroupMembership{}, handler.EnqueueRequestsFromMapFunc(groupOfMembership)).
		Watches(&identityv1alpha1.WorkspaceUser{}, r.userEvents()).
		Watches(&identityv1alpha1.Workspace{}, handler.EnqueueRequestsFromMapFunc(r.groupsOfWorkspace),
			builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, backendBecameReady()))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.groupsOfSecret)).
		WithOptions(controller.Options{
			RateLimiter:             newJitteredBackoff(r.BackoffBase, r.BackoffMax),
			MaxConcurrentReconciles: r.Workers,
		}).
		Named(ControllerName).
		Complete(r)
}

// groupChanged lets through what asks for a reconcile, and not the
// controller's own status writes (which would loop).
func groupChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, n := e.ObjectOld, e.ObjectNew
		return o.GetGeneration() != n.GetGeneration() ||
			o.GetAnnotations()[identityv1alpha1.AnnotationResync] != n.GetAnnotations()[identityv1alpha1.AnnotationResync] ||
			// The controller's own migration patch adds the key, and a
			// reconcile follows it.
			o.GetAnnotations()[identityv1alpha1.AnnotationBackendKey] != n.GetAnnotations()[identityv1alpha1.AnnotationBackendKey] ||
			!o.GetDeletionTimestamp().Equal(n.GetDeletionTimestamp()) ||
			len(o.GetFinalizers()) != len(n.GetFinalizers())
	}}
}

func groupOfMembership(_ context.Context, obj client.Object) []reconcile.Request {
	m, ok := obj.(*identityv1alpha1.WorkspaceGroupMembership)
	if !ok || m.Spec.GroupRef.Name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: m.Namespace, Name: m.Spec.GroupRef.Name}}}
}

// backendBecameReady lets through a Workspace whose BackendReady condition
// turned True: groups stopped by a permanent error try again.
func backendBecameReady() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, okOld := e.ObjectOld.(*identityv1alpha1.Workspace)
			n, okNew := e.ObjectNew.(*identityv1alpha1.Workspace)
			return okOld && okNew &&
				!meta.IsStatusConditionTrue(o.Status.Conditions, identityv1alpha1.ConditionBackendReady) &&
				meta.IsStatusConditionTrue(n.Status.Conditions, identityv1alpha1.ConditionBackendReady)
		},
	}
}

func (r *Reconciler) groupsOfWorkspace(ctx context.Context, ws client.Object) []reconcile.Request {
	groups := &identityv1alpha1.WorkspaceGroupList{}
	if err := r.List(ctx, groups, client.InNamespace(ws.GetNamespace()), client.MatchingFields{indexes.GroupWorkspace: ws.GetName()},
		client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "list workspace groups", "workspace", ws.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(groups.Items))
	for i := range groups.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&groups.Items[i])})
	}
	return reqs
}

func (r *Reconciler) groupsOfSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	workspaces := &identityv1alpha1.WorkspaceList{}
	if err := r.List(ctx, workspaces, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{indexes.WorkspaceBackendSecret: secret.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "list workspaces of a backend Secret", "secret", secret.GetName())
		return nil
	}
	var reqs []reconcile.Request
	for i := range workspaces.Items {
		reqs = append(reqs, r.groupsOfWorkspace(ctx, &workspaces.Items[i])...)
	}
	return reqs
}

// jitteredBackoff is per-item exponential backoff, capped, with ±20% jitter
// so that groups failing together do not retry together.
type jitteredBackoff struct {
	workqueue.TypedRateLimiter[reconcile.Request]
	max time.Duration
}

func newJitteredBackoff(base, maxDelay time.Duration) workqueue.TypedRateLimiter[reconcile.Request] {
	return jitteredBackoff{
		TypedRateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](base, maxDelay),
		max:              maxDelay,
	}
}

func (j jitteredBackoff) When(item reconcile.Request) time.Duration {
	d := time.Duration(float64(j.TypedRateLimiter.When(item)) * (0.8 + 0.4*rand.Float64()))
	return min(d, j.max)
}
