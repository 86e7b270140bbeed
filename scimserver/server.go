package scimserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	stdlog "log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=workspaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Server is the SCIM 2.0 service provider. It is a manager.Runnable: add it
// to a manager with mgr.Add; it runs on every replica (no leader election).
type Server struct {
	opts      Options
	client    client.Client
	apiReader client.Reader
	users     *store.Users
	groups    *store.Groups
	members   *store.Memberships
	claims    *store.Claims
	tokens    *tokens
	limits    *rateLimiters
	failures  *authFailures
	synced    []toolscache.InformerSynced
	apiProbe  *apiProbe
	clock     clock.PassiveClock
	// logger is the manager's, for requests whose context carries none
	// (a handler served outside Start, as in tests).
	logger logr.Logger
	// recorder records the audit Events of SCIM writes.
	recorder events.EventRecorder

	mu   sync.Mutex
	addr net.Addr
}

// New builds a Server on mgr's client and cache. Its user store registers
// the WorkspaceUser indexes it looks users up by on the manager's informer;
// informers for Workspaces and WorkspaceDomains start with the manager.
func New(mgr ctrl.Manager, opts Options) (*Server, error) {
	opts.setDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	informer, err := mgr.GetCache().GetInformer(ctx, &identityv1alpha1.WorkspaceUser{}, cache.BlockUntilSynced(false))
	if err != nil {
		return nil, fmt.Errorf("get the WorkspaceUser informer: %w", err)
	}
	shared, ok := informer.(toolscache.SharedIndexInformer)
	if !ok {
		return nil, fmt.Errorf("the manager's WorkspaceUser informer is a %T, not a client-go SharedIndexInformer", informer)
	}
	clk := clock.RealClock{}
	disco, err := discovery.NewDiscoveryClientForConfigAndClient(mgr.GetConfig(), mgr.GetHTTPClient())
	if err != nil {
		return nil, fmt.Errorf("build the API server probe: %w", err)
	}
	users, err := store.New(shared, mgr.GetClient(), mgr.GetAPIReader(), clk)
	if err != nil {
		return nil, fmt.Errorf("build the user store: %w", err)
	}
	synced := []toolscache.InformerSynced{informer.HasSynced}
	groups, members, groupsSynced, err := newGroupStores(ctx, mgr, clk)
	if err != nil {
		return nil, err
	}
	synced = append(synced, groupsSynced...)
	for _, obj := range []client.Object{&identityv1alpha1.Workspace{}, &identityv1alpha1.WorkspaceDomain{}} {
		inf, err := mgr.GetCache().GetInformer(ctx, obj, cache.BlockUntilSynced(false))
		if err != nil {
			return nil, fmt.Errorf("get the %T informer: %w", obj, err)
		}
		synced = append(synced, inf.HasSynced)
	}
	return &Server{
		opts:      opts,
		client:    mgr.GetClient(),
		apiReader: mgr.GetAPIReader(),
		users:     users,
		groups:    groups,
		members:   members,
		claims:    store.NewClaims(mgr.GetClient(), mgr.GetAPIReader(), clk),
		tokens:    newTokens(mgr.GetAPIReader(), opts.OperatorNamespace, clk, opts.APITimeout/2),
		limits:    newRateLimiters(),
		failures:  newAuthFailures(opts.AuthFailureBurst, opts.AuthFailuresPerSecond, opts.AuthFailureClients),
		synced:    synced,
		apiProbe:  newAPIProbe(disco.RESTClient(), clk, min(apiProbeTimeout, opts.APITimeout)),
		clock:     clk,
		logger:    mgr.GetLogger().WithName("scim-server"),
		recorder:  mgr.GetEventRecorder(AuditEventReporter),
	}, nil
}

// NeedLeaderElection is false: every replica serves.
func (s *Server) NeedLeaderElection() bool { return false }

// Handler is the server's HTTP handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s }

// Addr is the address the server listens on once Start has bound it, or nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Start serves until ctx is done, then shuts down gracefully.
func (s *Server) Start(ctx context.Context) error {
	logger := s.logger
	if l, err := logr.FromContext(ctx); err == nil {
		logger = l.WithName("scim-server")
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return log.IntoContext(context.Background(), logger) },
		ErrorLog:          stdlog.New(logWriter{logger}, "", 0),
	}
	ln, err := net.Listen("tcp", s.opts.BindAddress)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.BindAddress, err)
	}
	if s.opts.TLSCertFile != "" {
		watcher, err := certwatcher.New(s.opts.TLSCertFile, s.opts.TLSKeyFile)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("load the TLS certificate: %w", err)
		}
		go func() {
			if err := watcher.Start(ctx); err != nil {
				logger.Error(err, "TLS certificate watcher stopped")
			}
		}()
		ln = tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: watcher.GetCertificate})
	}
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()
	logger.Info("serving SCIM", "address", ln.Addr().String(), "tls", s.opts.TLSCertFile != "")

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve SCIM: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down the SCIM server: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve SCIM: %w", err)
	}
	return nil
}

// requestLogger is the logger of a request's context, else the server's.
func (s *Server) requestLogger(ctx context.Context) logr.Logger {
	if l, err := logr.FromContext(ctx); err == nil {
		return l
	}
	return s.logger
}

// hasSynced reports whether the caches the server reads are filled.
func (s *Server) hasSynced() bool {
	for _, synced := range s.synced {
		if !synced() {
			return false
		}
	}
	return true
}

// logWriter sends the HTTP server's own messages (TLS handshake errors and
// the like) to the logger, at a debug level.
type logWriter struct {
	logger logr.Logger
}

func (w logWriter) Write(p []byte) (int, error) {
	w.logger.V(1).Info(strings.TrimSpace(string(p)))
	return len(p), nil
}

// ReadyCheck is a healthz.Checker for the manager's readiness probe: ready
// once the caches the server reads are filled and while the API server
// answers (see apiProbe), so a Service sends no requests to a replica that
// would answer 503.
func (s *Server) ReadyCheck(_ *http.Request) error {
	if !s.hasSynced() {
		return errors.New("the SCIM server's caches are not synced yet")
	}
	// Not the probe request's context: a result shared for
	// apiProbeInterval must not be a caller that went away.
	return s.apiProbe.check(context.Background())
}

// The API server probe of the readiness check: a GET of the API server's
// /readyz, through the same connection the server's client uses, that must
// answer 200 within apiProbeTimeout (or Options.APITimeout when shorter).
// Its result is reused for apiProbeInterval, so kubelet's probes and
// several checks at once cost the API server at most one request per
// interval.
const (
	apiProbeTimeout  = time.Second
	apiProbeInterval = 2 * time.Second
)

type apiProbe struct {
	client  rest.Interface
	clock   clock.PassiveClock
	timeout time.Duration

	mu  sync.Mutex
	at  time.Time
	err error
}

func newAPIProbe(c rest.Interface, clk clock.PassiveClock, timeout time.Duration) *apiProbe {
	return &apiProbe{client: c, clock: clk, timeout: timeout}
}

// check is nil when the API server answered the last probe, made less than
// apiProbeInterval ago or now.
func (p *apiProbe) check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.at.IsZero() && p.clock.Since(p.at) < apiProbeInterval {
		return p.err
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	err := p.client.Get().AbsPath("/readyz").Do(ctx).Error()
	p.at, p.err = p.clock.Now(), nil
	if err != nil {
		p.err = fmt.Errorf("the Kubernetes API server did not answer its readiness check (GET /readyz, %s timeout): %w", p.timeout, err)
	}
	return p.err
}
