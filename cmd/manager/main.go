// Command manager runs Rollcall: the controllers (workspace, domain, user, group)
// and the SCIM server, each switchable by flag so they can scale apart.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/controllers/statemetrics"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/controllers/workspacegroup"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/indexes"
	"github.com/rollcall-dev/rollcall/scimserver"
)

func main() {
	opts, zapOpts, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		os.Exit(2) // the flag set printed the error and the usage
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(zapOpts)))
	log := ctrl.Log.WithName("setup")

	if err := run(opts); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

func run(opts options) error {
	ctx := ctrl.SetupSignalHandler()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := identityv1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme: scheme,
		// managedFields are never read here; dropping them halves the memory
		// a cached WorkspaceUser takes.
		Cache:                   cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
		Metrics:                 metricsserver.Options{BindAddress: opts.metricsAddr},
		HealthProbeBindAddress:  opts.probeAddr,
		PprofBindAddress:        opts.pprofAddr,
		LeaderElection:          opts.leaderElect,
		LeaderElectionID:        "rollcall-controllers.identity.rollcall.dev",
		LeaderElectionNamespace: opts.leaderElectionNamespace(),
	})
	if err != nil {
		return err
	}
	if opts.controllers {
		if err := setupControllers(ctx, mgr, opts); err != nil {
			return err
		}
	}
	if opts.scimServer {
		opts.scim.PublicBaseURL = opts.publicBaseURL
		opts.scim.OperatorNamespace = opts.operatorNamespace
		srv, err := scimserver.New(mgr, opts.scim)
		if err != nil {
			return fmt.Errorf("set up SCIM server: %w", err)
		}
		if err := mgr.Add(srv); err != nil {
			return err
		}
		if err := mgr.AddReadyzCheck("scim", srv.ReadyCheck); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// setupControllers registers every controller with the manager, and the
// field indexes they read, once.
func setupControllers(ctx context.Context, mgr ctrl.Manager, opts options) error {
	if err := indexes.AddDefault(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("add field indexes: %w", err)
	}
	// One rate-limited backend per workspace, shared by the controllers that
	// talk to it; the manager closes the connection pools on shutdown.
	backends := memberbackend.NewCache(mgr.GetClient(), mgr.GetAPIReader())
	if err := mgr.Add(backends); err != nil {
		return err
	}
	if err := statemetrics.Register(mgr.GetClient()); err != nil {
		return fmt.Errorf("register state metrics: %w", err)
	}
	if err := (&workspace.Reconciler{
		Client:            mgr.GetClient(),
		APIReader:         mgr.GetAPIReader(),
		PublicBaseURL:     opts.publicBaseURL,
		OperatorNamespace: opts.operatorNamespace,
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace controller: %w", err)
	}
	if err := (&workspace.BackendReconciler{
		Client:   mgr.GetClient(),
		Backends: backends,
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace backend controller: %w", err)
	}
	if err := (&workspacedomain.Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		DNS:       opts.dns(),
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace domain controller: %w", err)
	}
	users := &workspaceuser.Reconciler{
		Client:   mgr.GetClient(),
		Backends: backends,
	}
	if err := users.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace user controller: %w", err)
	}
	// Groups take their turn in the users' per-workspace backend slots,
	// one at a time per workspace, so a big group never crowds users out.
	if err := (&workspacegroup.Reconciler{
		Client:            mgr.GetClient(),
		Backends:          backends,
		Slots:             users.BackendSlots(),
		SlotsPerWorkspace: users.SlotsPerWorkspace(),
	}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("set up workspace group controller: %w", err)
	}
	return nil
}
