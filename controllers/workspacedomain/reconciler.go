package workspacedomain

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

// Names of the controller, each kept as it was first released: the field
// managers of its two server-side applies (renaming one would orphan the
// status fields it owns on upgrade), the reporter of its events (shown as
// the events' source) and the controller label of controller-runtime's
// metrics (dashboards and alerts select on it). Unlike the other
// controllers', its field manager and event reporter were released under
// different names, so here they stay two strings.
const (
	// FieldOwner owns Ready, status.dnsChallenge and status.observedGeneration.
	FieldOwner = "rollcall-domain-controller"
	// VerifierFieldOwner owns the Verified condition, status.approvedBy and
	// status.approvedAt of DNS and Preapproved domains.
	VerifierFieldOwner = "rollcall-domain-verifier"
	// EventReporter is the name the controller's events are reported under.
	EventReporter = "rollcall-workspacedomain-controller"
	// ControllerName names the controller in controller-runtime's metrics and logs.
	ControllerName = "workspacedomain"
)

// Reconciler reconciles WorkspaceDomains.
type Reconciler struct {
	client.Client
	// APIReader reads straight from the API server, to find a DNS challenge
	// the cache has not seen yet rather than issuing a second one.
	APIReader client.Reader
	// Recorder records the controller's events; nil means the manager's
	// recorder for EventReporter.
	Recorder events.EventRecorder
	// Identity is the user name the controller authenticates as. The
	// admission policy requires the Verified messages it writes to name it.
	// Empty means: ask the API server (SelfSubjectReview) at setup.
	Identity string
	// DNS configures the DNS verifier; zero values take the defaults.
	DNS DNSOptions
	// Clock tells the time; nil means the real clock (clock.RealClock).
	// Tests may set a fake one (k8s.io/utils/clock/testing).
	Clock clock.PassiveClock
	// Workers is how many domains are reconciled at once
	// (MaxConcurrentReconciles); zero means 4. DNS lookups can take
	// seconds; several workers keep a slow resolver from delaying every
	// other domain behind one check.
	Workers int

	schedule dnsSchedule
}

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacedomains,verbs=get;list;watch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspacedomains/status,verbs=get;patch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=domains,verbs=reconcile;approve
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile verifies one WorkspaceDomain when its method lets the controller
// do so, and brings its Ready condition and DNS challenge up to date.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	domain := &identityv1alpha1.WorkspaceDomain{}
	if err := r.Get(ctx, req.NamespacedName, domain); err != nil {
		if apierrors.IsNotFound(err) {
			r.schedule.forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !domain.DeletionTimestamp.IsZero() {
		r.schedule.forget(domain.Name)
		return ctrl.Result{}, nil
	}
	ref := domain.Spec.WorkspaceRef
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("workspace", ref.Namespace+"/"+ref.Name))
	workspaceFound, err := r.workspaceExists(ctx, domain)
	if err != nil {
		return ctrl.Result{}, err
	}
	v, err := r.verify(ctx, domain)
	if err != nil {
		return ctrl.Result{}, err
	}
	verified, err := r.applyVerification(ctx, domain, v)
	if err != nil {
		return r.writeFailed(ctx, domain, err)
	}
	ready := r.readyCondition(domain, workspaceFound, verified, v)
	if err := r.applyStatus(ctx, domain, v.challenge, ready); err != nil {
		return r.writeFailed(ctx, domain, err)
	}
	return ctrl.Result{RequeueAfter: v.requeueAfter}, nil
}

// conflictRetry is the wait before reconciling a domain again whose status
// write found a newer version than the one read.
const conflictRetry = time.Second

// writeFailed handles a status write that did not happen. What a DNS check
// found was not written, so the retry checks again rather than wait for the
// next scheduled check. A conflict only means the cache had not seen the
// latest version (or the claim was made again under the same name): it is
// retried quietly.
func (r *Reconciler) writeFailed(ctx context.Context, domain *identityv1alpha1.WorkspaceDomain, err error) (ctrl.Result, error) {
	r.schedule.forget(domain.Name)
	if apierrors.IsConflict(err) {
		ctrl.LoggerFrom(ctx).V(1).Info("the domain changed since it was read; reconciling it again", "error", err.Error())
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	return ctrl.Result{}, err
}

// verify computes the Verified condition the controller, as an approver,
// writes for the domain's method. Manual domains get none.
func (r *Reconciler) verify(ctx context.Context, domain *identityv1alpha1.WorkspaceDomain) (verification, error) {
	switch domain.Spec.Verification.Method {
	case identityv1alpha1.VerificationDNS:
		return r.verifyByDNS(ctx, domain)
	case identityv1alpha1.VerificationPreapproved:
		r.schedule.forget(domain.Name)
		return r.verifyPreapproved(domain), nil
	default:
		r.schedule.forget(domain.Name)
		return verification{}, nil
	}
}

// SetupWithManager registers the controller, fills in defaults and learns
// the controller's user name when Identity is empty.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	if r.Recorder == nil {
		r.Recorder = mgr.GetEventRecorder(EventReporter)
	}
	if r.Workers <= 0 {
		r.Workers = 4
	}
	r.DNS = r.DNS.withDefaults()
	if r.Identity == "" {
		name, err := whoami.Username(ctx, mgr.GetClient())
		if err != nil {
			return fmt.Errorf("set up the domain controller: %w", err)
		}
		r.Identity = name
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&identityv1alpha1.WorkspaceDomain{}).
		Watches(&identityv1alpha1.Workspace{}, r.domainsOfWorkspace()).
		Named(ControllerName).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.Workers}).
		Complete(r)
}

// dnsSchedule remembers, per domain, when the DNS record is next due for a
// check and how many checks in a row found it missing.
type dnsSchedule struct {
	mu   sync.Mutex
	next map[string]scheduledCheck
}

type scheduledCheck struct {
	value        string // the challenge value the schedule is for
	due          time.Time
	failures     int
	lookupFailed bool // the last check got no answer from the resolver
}

func (s *dnsSchedule) get(name, value string) (scheduledCheck, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.next[name]
	if !ok || c.value != value {
		return scheduledCheck{value: value}, false
	}
	return c, true
}

func (s *dnsSchedule) set(name string, c scheduledCheck) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		s.next = map[string]scheduledCheck{}
	}
	s.next[name] = c
}

func (s *dnsSchedule) forget(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.next, name)
}

// now is the time by r.Clock.
func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return clock.RealClock{}.Now()
	}
	return r.Clock.Now()
}
