package workspacegroup

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

const (
	// FieldOwner is the server-side-apply field manager of this controller.
	// It owns the status conditions Synced and Ready, and status.groupKey,
	// members, lastSyncTime and observedGeneration.
	FieldOwner = "rollcall-workspacegroup-controller"
	// EventReporter is the name the controller's events are reported under.
	EventReporter = FieldOwner
	// ControllerName names the controller in controller-runtime's metrics and logs.
	ControllerName = "workspacegroup"
)

// Reconciler reconciles WorkspaceGroups and their memberships with their
// workspace's member backend.
type Reconciler struct {
	client.Client
	// Recorder records the controller's events; nil means the manager's
	// recorder for EventReporter.
	Recorder events.EventRecorder
	// Backends opens a workspace's member backend (memberbackend.Cache in the manager).
	Backends memberbackend.Opener
	// Clock tells the time; nil means the real clock.
	Clock clock.PassiveClock
	// BackoffBase and BackoffMax bound the jittered exponential backoff after
	// a transient failure; zero means 1s and 5m.
	BackoffBase, BackoffMax time.Duration
	// Workers is how many groups are reconciled at once; zero means 2.
	Workers int
	// Slots are the per-workspace backend slots shared with the user
	// controller (workspaceuser.Reconciler.BackendSlots), SlotsPerWorkspace
	// of them per workspace (its SlotsPerWorkspace). nil means slots of
	// this controller's own, GroupSlotsPerWorkspace per workspace.
	Slots             *memberbackend.Slots
	SlotsPerWorkspace int
	// GroupSlotsPerWorkspace is how many group reconciles may be inside one
	// workspace's backend at once, each also holding one of the shared
	// Slots; zero means 1, so groups never take more than one of the slots
	// the workspace's users reconcile in.
	GroupSlotsPerWorkspace int
	// CallTimeout bounds each backend call and opening the backend; zero
	// means 5s; an HTTP workspace's spec.backend.http.timeout, when longer,
	// wins.
	CallTimeout time.Duration
	// BusyRetry is the mean delay (jittered ±50%) before a group that found
	// no free slot in its workspace tries again; zero means 2s.
	BusyRetry time.Duration

	// roster is the let-in state of every WorkspaceUser, kept from the
	// user watch (roster.go).
	roster     roster
	groupSlots memberbackend.Slots
	ownSlots   memberbackend.Slots
}

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacegroups,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacegroups/status,verbs=get;patch;update
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacegroups/finalizers,verbs=update
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacegroupmemberships,verbs=get;list;watch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaceusers,verbs=get;list;watch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile provisions or deprovisions one WorkspaceGroup and its memberships.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, err error) {
	group := &identityv1alpha1.WorkspaceGroup{}
	if err := r.Get(ctx, req.NamespacedName, group); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// Every line names the workspace and the group's SCIM id, as the SCIM
	// server's lines do (docs/observability.md#logs).
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues(
		"workspace", group.Namespace+"/"+group.Spec.WorkspaceRef.Name, "group", string(group.UID)))

	if group.DeletionTimestamp.IsZero() && (!controllerutil.ContainsFinalizer(group, identityv1alpha1.GroupFinalizer) ||
		backendkey.Annotated(group) == "") {
		// The SCIM server sets both at create; a group made otherwise (or
		// before the backend-key annotation) gets them here, and the
		// patch's watch event reconciles again.
		return ctrl.Result{}, r.completeMetadata(ctx, group)
	}

	st := newState(group)
	defer func() {
		st.releaseBackend() // before the status write: the slot is for backend calls
		if st.skipStatus {
			return
		}
		if applyErr := r.applyStatus(ctx, group, st); applyErr != nil && !apierrors.IsNotFound(applyErr) {
			// Retry until the status is written, even after a terminal error.
			if errors.Is(err, reconcile.TerminalError(nil)) {
				err = errors.Unwrap(err)
			}
			err = errors.Join(err, applyErr)
		}
		r.recordTransitions(group, st)
	}()

	if !group.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, group, st)
	}
	return r.reconcileNormal(ctx, group, st)
}

// completeMetadata adds, in one patch, what a group the SCIM server did
// not create may lack: the group finalizer, so that a deleted
// WorkspaceGroup waits for its group to be deprovisioned, and the
// backend-key annotation with the key the group already has (recorded,
// else derived from its UID), so that an export of the object keeps its
// backend group across a restore.
func (r *Reconciler) completeMetadata(ctx context.Context, group *identityv1alpha1.WorkspaceGroup) error {
	base := group.DeepCopy()
	controllerutil.AddFinalizer(group, identityv1alpha1.GroupFinalizer)
	if backendkey.Annotated(group) == "" {
		if group.Annotations == nil {
			group.Annotations = map[string]string{}
		}
		group.Annotations[identityv1alpha1.AnnotationBackendKey] = backendkey.Group(group)
	}
	if err := r.Patch(ctx, group, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return errors.Join(errors.New("add the group finalizer and backend key"), err)
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
