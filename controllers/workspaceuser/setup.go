package workspaceuser

import (
	"context"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
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
// are registered by indexes.AddDefault. A
// user is reconciled when its spec, its resync annotation, its finalizers
// or its deletion change; when its Workspace's spec changes; when the
// WorkspaceDomain of its domain changes (the gate is a watch, not a poll);
// when the Secret its workspace's backend reads changes (Secrets are
// watched by metadata only); and, if it is not synced, when its
// workspace's BackendReady turns True.
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
		r.Workers = 8
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&identityv1alpha1.WorkspaceUser{}, builder.WithPredicates(userChanged())).
		Watches(&identityv1alpha1.Workspace{}, handler.EnqueueRequestsFromMapFunc(r.usersOfWorkspace),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&identityv1alpha1.Workspace{}, handler.EnqueueRequestsFromMapFunc(r.unsyncedUsersOfWorkspace),
			builder.WithPredicates(backendBecameReady())).
		Watches(&identityv1alpha1.WorkspaceDomain{}, handler.EnqueueRequestsFromMapFunc(r.usersOfDomain)).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.usersOfSecret)).
		WithOptions(controller.Options{
			RateLimiter:             newJitteredBackoff(r.BackoffBase, r.BackoffMax),
			MaxConcurrentReconciles: r.Workers,
		}).
		Named(ControllerName).
		Complete(r)
}

// userChanged lets through what asks for a reconcile, and not the
// controller's own status writes (which would loop).
func userChanged() predicate.Predicate {
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

func (r *Reconciler) usersOfWorkspace(ctx context.Context, ws client.Object) []reconcile.Request {
	return r.listUsers(ctx, ws.GetNamespace(), client.MatchingFields{indexes.UserWorkspace: ws.GetName()})
}

// backendBecameReady lets through a Workspace whose BackendReady condition
// turned True: users stopped by a permanent error (terminal, so not
// retried) try again once the probe finds the backend usable, also when
// it was mended in the application rather than in the cluster.
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

// unsyncedUsersOfWorkspace are the workspace's users whose Synced
// condition is not True.
func (r *Reconciler) unsyncedUsersOfWorkspace(ctx context.Context, ws client.Object) []reconcile.Request {
	users := &identityv1alpha1.WorkspaceUserList{}
	if err := r.List(ctx, users, client.InNamespace(ws.GetNamespace()), client.MatchingFields{indexes.UserWorkspace: ws.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "list workspace users", "workspace", ws.GetNamespace()+"/"+ws.GetName())
		return nil
	}
	var reqs []reconcile.Request
	for i := range users.Items {
		if !meta.IsStatusConditionTrue(users.Items[i].Status.Conditions, identityv1alpha1.ConditionSynced) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&users.Items[i])})
		}
	}
	return reqs
}

func (r *Reconciler) usersOfDomain(ctx context.Context, obj client.Object) []reconcile.Request {
	d, ok := obj.(*identityv1alpha1.WorkspaceDomain)
	if !ok {
		return nil
	}
	ref := d.Spec.WorkspaceRef
	return r.listUsers(ctx, ref.Namespace, client.MatchingFields{indexes.UserWorkspaceDomain: indexes.WorkspaceDomainValue(ref.Name, d.Name)})
}

func (r *Reconciler) usersOfSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	workspaces := &identityv1alpha1.WorkspaceList{}
	if err := r.List(ctx, workspaces, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{indexes.WorkspaceBackendSecret: secret.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "list workspaces of a backend Secret", "secret", secret.GetName())
		return nil
	}
	var reqs []reconcile.Request
	for i := range workspaces.Items {
		reqs = append(reqs, r.usersOfWorkspace(ctx, &workspaces.Items[i])...)
	}
	return reqs
}

func (r *Reconciler) listUsers(ctx context.Context, namespace string, fields client.MatchingFields) []reconcile.Request {
	users := &identityv1alpha1.WorkspaceUserList{}
	if err := r.List(ctx, users, client.InNamespace(namespace), fields); err != nil {
		log.FromContext(ctx).Error(err, "list workspace users", "namespace", namespace, "fields", fields)
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(users.Items))
	for _, u := range users.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&u)})
	}
	return reqs
}

// jitteredBackoff is per-item exponential backoff, capped, with ±20% jitter
// so that users failing together do not retry together.
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
