package workspace

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
)

// Names of Reconciler. The cluster knows it by two names, both kept as
// they were first released: FieldOwner (also the reporter of its events)
// and ControllerName (the controller label of controller-runtime's
// metrics). Renaming the first would orphan the status fields it owns on
// upgrade, renaming the second would break dashboards and alerts.
const (
	// FieldOwner is the server-side-apply field manager of Reconciler.
	FieldOwner = "rollcall-workspace-controller"
	// EventReporter is the name Reconciler's events are reported under.
	EventReporter = FieldOwner
	// ControllerName names Reconciler in controller-runtime's metrics and logs.
	ControllerName = "workspace"
)

// Reconciler reconciles Workspaces.
type Reconciler struct {
	client.Client
	// APIReader reads Secrets straight from the API server: the manager
	// caches only their metadata.
	APIReader client.Reader
	// Recorder records the controller's events; nil means the manager's
	// recorder for EventReporter.
	Recorder events.EventRecorder
	// PublicBaseURL is the SCIM server's address as identity providers reach
	// it, e.g. https://scim.example.com. Tenant URLs are built on it.
	PublicBaseURL string
	// Clock tells the time; nil means the real clock (clock.RealClock).
	// Tests may set a fake one (k8s.io/utils/clock/testing).
	Clock clock.PassiveClock
	// OperatorNamespace is the namespace the operator runs in, where the
	// digest records of the workspaces' tokens are published for the SCIM
	// server; empty means rollcall-system.
	OperatorNamespace string
	// Workers is how many Workspaces are reconciled at once
	// (MaxConcurrentReconciles); zero means 1.
	Workers int
}

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces/finalizers,verbs=update
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacegroups,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one Workspace's token Secret and status up to date, or,
// once it is being deleted, deletes its users and groups and lets it go
// when they are gone.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ws := &identityv1alpha1.Workspace{}
	if err := r.Get(ctx, req.NamespacedName, ws); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("workspace", klog.KObj(ws).String()))
	if !ws.DeletionTimestamp.IsZero() {
		// The token Secret is owned by the Workspace; garbage collection
		// removes it once the Workspace is gone.
		return r.reconcileDelete(ctx, ws)
	}
	if !controllerutil.ContainsFinalizer(ws, identityv1alpha1.UsersFinalizer) {
		// The patch's watch event reconciles again, with the finalizer in place.
		return ctrl.Result{}, r.addFinalizer(ctx, ws)
	}
	scim, err := r.reconcileSCIM(ctx, ws)
	if err != nil {
		return ctrl.Result{}, err
	}
	// The SCIM server knows the token only through its digest record: until
	// it is published the endpoint is not ready. The error is returned too,
	// so the workqueue retries with backoff.
	token, published := r.publishTokenDigests(ctx, ws)
	if published != nil {
		// What was published before stays in use, and so does its version.
		token = publishedToken{version: ws.Status.PublishedTokenVersion, since: ws.Status.TokenPublishedTime}
		if scim.condition.Status == metav1.ConditionTrue {
			scim.condition = conditions.False(identityv1alpha1.ConditionSCIMReady, identityv1alpha1.ReasonTokenDigestsNotPublished,
				published.Error(), ws.Generation)
		}
	}
	scim.publishedToken = token
	if err := r.applyStatus(ctx, ws, scim); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, published
}

// SetupWithManager registers the controller. Secrets are watched by metadata
// only, so a deleted token Secret is re-created, and a changed one (a
// rotation, an edit of a brought one) published, at once without caching
// every Secret's data (workspacesOfSecret). WorkspaceUsers and
// WorkspaceGroups are watched only for a Workspace being deleted
// (deletingWorkspaceOfUser, …OfGroup). The field indexes it reads are
// registered by indexes.AddDefault.
func (r *Reconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager) error {
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(EventReporter)
	}
	if r.Workers <= 0 {
		r.Workers = 1
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&identityv1alpha1.Workspace{}).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.workspacesOfSecret), builder.OnlyMetadata).
		Watches(&identityv1alpha1.WorkspaceUser{}, handler.EnqueueRequestsFromMapFunc(r.deletingWorkspaceOfUser),
			builder.WithPredicates(createdOrDeleted())).
		Watches(&identityv1alpha1.WorkspaceGroup{}, handler.EnqueueRequestsFromMapFunc(r.deletingWorkspaceOfGroup),
			builder.WithPredicates(createdOrDeleted())).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers}).
		Named(ControllerName).
		Complete(r)
}

// scimState is what reconcileSCIM learned, for the status.
type scimState struct {
	condition       metav1.Condition
	tenantURL       string
	tokenSecretName string
	// publishedToken is the version of the token Secret whose digests
	// are published, and since when its current token is.
	publishedToken publishedToken
}

// reconcileSCIM makes sure the token Secret exists and computes the SCIMReady condition.
func (r *Reconciler) reconcileSCIM(ctx context.Context, ws *identityv1alpha1.Workspace) (scimState, error) {
	gen := ws.Generation
	if !ws.SCIMEnabled() {
		return scimState{condition: conditions.False(identityv1alpha1.ConditionSCIMReady, identityv1alpha1.ReasonSCIMDisabled,
			"spec.scim.enabled is false: the SCIM endpoint is off", gen)}, nil
	}
	name := ws.TokenSecretName()
	created, err := r.ensureTokenSecret(ctx, ws, name)
	if err != nil {
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return scimState{condition: conditions.False(identityv1alpha1.ConditionSCIMReady, identityv1alpha1.ReasonTokenSecretInvalid,
				"cannot create token Secret "+name+": "+err.Error(), gen)}, nil
		}
		return scimState{}, err
	}
	if created {
		log.FromContext(ctx).Info("generated SCIM token Secret", "secret", name)
		r.Recorder.Eventf(ws, nil, corev1.EventTypeNormal, identityv1alpha1.ReasonTokenSecretCreated, "CreateTokenSecret",
			"Generated SCIM token Secret %s", name)
	}
	problem, err := r.checkTokenSecret(ctx, ws.Namespace, name)
	if err != nil {
		return scimState{}, err
	}
	if problem != "" {
		return scimState{tokenSecretName: name, condition: conditions.False(identityv1alpha1.ConditionSCIMReady,
			identityv1alpha1.ReasonTokenSecretInvalid, problem, gen)}, nil
	}
	if r.PublicBaseURL == "" {
		return scimState{tokenSecretName: name, condition: conditions.False(identityv1alpha1.ConditionSCIMReady,
			identityv1alpha1.ReasonNoPublicURL, "the operator runs without --public-base-url, so there is no Tenant URL to publish", gen)}, nil
	}
	url := identityv1alpha1.TenantURL(r.PublicBaseURL, ws.Namespace, ws.Name)
	return scimState{tokenSecretName: name, tenantURL: url, condition: conditions.True(identityv1alpha1.ConditionSCIMReady,
		identityv1alpha1.ReasonReconciled, "Tenant URL "+url+" and token Secret "+name+" are ready", gen)}, nil
}

// now is the time by r.Clock.
func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return clock.RealClock{}.Now()
	}
	return r.Clock.Now()
}
