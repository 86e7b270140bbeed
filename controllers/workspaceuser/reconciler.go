package workspaceuser

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
)

// Names of the controller. The cluster knows it by two names, both kept as
// they were first released: FieldOwner (also the reporter of its events)
// and ControllerName (the controller label of controller-runtime's
// metrics). Renaming the first would orphan the status fields it owns on
// upgrade, renaming the second would break dashboards and alerts.
const (
	// FieldOwner is the server-side-apply field manager of this controller.
	// It owns the status conditions DomainVerified, Synced and Ready, and
	// status.domain, memberKey, lastSyncTime and observedGeneration.
	FieldOwner = "rollcall-workspaceuser-controller"
	// EventReporter is the name the controller's events are reported under.
	EventReporter = FieldOwner
	// ControllerName names the controller in controller-runtime's metrics and logs.
	ControllerName = "workspaceuser"
)

// Reconciler reconciles WorkspaceUsers with their workspace's member backend.
type Reconciler struct {
	client.Client
	// Recorder records the controller's events; nil means the manager's
	// recorder for EventReporter.
	Recorder events.EventRecorder
	// Backends opens a workspace's member backend (memberbackend.Cache in the manager).
	Backends memberbackend.Opener
	// Clock tells the time; nil means the real clock (clock.RealClock).
	// Tests may set a fake one (k8s.io/utils/clock/testing).
	Clock clock.PassiveClock
	// BackoffBase and BackoffMax bound the jittered exponential backoff after
	// a transient failure; zero means 1s and 5m.
	BackoffBase, BackoffMax time.Duration
	// Workers is how many users are reconciled at once
	// (MaxConcurrentReconciles); zero means 8. Each
	// may wait on a slow member backend, so one workspace whose
	// application hangs must not hold up the users of the others.
	Workers int
	// WorkspaceWorkers is how many of the Workers may be inside one
	// workspace's backend at once; zero means Workers/2 (at least 1). A
	// reconcile that finds them all taken waits up to 100ms for one,
	// then gives up: the user gets Synced=False BackendBusy (unless it is
	// synced, or BackendUnavailable, at its generation) and tries again
	// after about BusyRetry.
	WorkspaceWorkers int
	// CallTimeout bounds each backend call and opening the backend; a call
	// that does not answer in time is Unavailable (transient, retried with
	// the backoff). Zero means 5s; an HTTP workspace's
	// spec.backend.http.timeout, when longer, wins.
	CallTimeout time.Duration
	// BusyRetry is the mean delay (jittered ±50%) before a user that found
	// no free slot in its workspace tries again; zero means 2s.
	BusyRetry time.Duration

	limits memberbackend.Slots
}

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers/finalizers,verbs=update
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacedomains,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile holds, provisions or deprovisions one WorkspaceUser's member.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	user := &identityv1alpha1.WorkspaceUser{}
	if err := r.Get(ctx, req.NamespacedName, user); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// Every line names the workspace and the user's SCIM id, as the SCIM
	// server's lines do (docs/observability.md#logs).
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues(
		"workspace", user.Namespace+"/"+user.Spec.WorkspaceRef.Name, "user", string(user.UID)))

	if user.DeletionTimestamp.IsZero() && (!controllerutil.ContainsFinalizer(user, identityv1alpha1.MemberFinalizer) ||
		backendkey.Annotated(user) == "") {
		// The patch's watch event reconciles again, with the finalizer
		// and the key in place. A user the SCIM server created has both.
		return ctrl.Result{}, r.completeMetadata(ctx, user)
	}

	st := newState(user)
	defer func() {
		st.releaseBackend() // before the status write: the slot is for backend calls
		if st.skipStatus {
			return
		}
		if applyErr := r.applyStatus(ctx, user, st); applyErr != nil && !apierrors.IsNotFound(applyErr) {
			// Retry until the status is written, even after a terminal error.
			if errors.Is(err, reconcile.TerminalError(nil)) {
				err = errors.Unwrap(err)
			}
			err = errors.Join(err, applyErr)
		}
		r.recordTransitions(user, st)
	}()

	if !user.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, user, st)
	}
	return r.reconcileNormal(ctx, user, st)
}

// completeMetadata adds, in one patch, what a user the SCIM server did not
// create may lack: the member finalizer, so that a deleted WorkspaceUser
// waits for its member to be deprovisioned, and the backend-key annotation
// with the key the user already has (recorded, else derived from its
// UID), so that an export of the object keeps its member across a restore.
func (r *Reconciler) completeMetadata(ctx context.Context, user *identityv1alpha1.WorkspaceUser) error {
	base := user.DeepCopy()
	controllerutil.AddFinalizer(user, identityv1alpha1.MemberFinalizer)
	if backendkey.Annotated(user) == "" {
		if user.Annotations == nil {
			user.Annotations = map[string]string{}
		}
		user.Annotations[identityv1alpha1.AnnotationBackendKey] = MemberKey(user)
	}
	if err := r.Patch(ctx, user, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return errors.Join(errors.New("add the member finalizer and backend key"), err)
	}
	return nil
}

// now is the time by r.Clock.
func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return clock.RealClock{}.Now()
	}
	return r.Clock.Now()
}
