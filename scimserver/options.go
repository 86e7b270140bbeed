package scimserver

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

// Defaults of Options.
const (
	DefaultBindAddress  = ":8443"
	DefaultMaxBodyBytes = 1 << 20
	// MaxResults is the largest page a list answers (filter.maxResults in
	// /ServiceProviderConfig); a larger count is cut to it.
	MaxResults = 200
	// DefaultCount is the page size when the client gives no count.
	DefaultCount = 100
	// DefaultAuthFailureBurst failed authentications are let through from
	// one client address, then DefaultAuthFailuresPerSecond; the table of
	// addresses holds at most DefaultAuthFailureClients.
	DefaultAuthFailureBurst      = 20
	DefaultAuthFailuresPerSecond = 1.0
	DefaultAuthFailureClients    = 10000
	// DefaultAPITimeout bounds the Kubernetes API calls of one SCIM request.
	DefaultAPITimeout = 5 * time.Second
)

// Options configure the SCIM server.
type Options struct {
	// BindAddress is the address to listen on, e.g. ":8443".
	BindAddress string
	// TLSCertFile and TLSKeyFile are a PEM certificate and key, e.g. from a
	// mounted kubernetes.io/tls Secret. They are reloaded when they change
	// (cert-manager renewals need no restart).
	TLSCertFile string
	TLSKeyFile  string
	// InsecureHTTP serves plain HTTP. Only for local runs or behind a
	// TLS-terminating proxy; without it the server refuses to start
	// without a certificate.
	InsecureHTTP bool
	// PublicBaseURL is how identity providers reach the server, e.g.
	// https://scim.example.com; meta.location and Location headers are built
	// on it. When empty they are built from the request's Host.
	PublicBaseURL string
	// MaxBodyBytes bounds request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout bound
	// each connection. Defaults 10s, 30s, 30s, 120s.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// APITimeout is the deadline of the Kubernetes API calls one SCIM
	// request makes (token Secret, claims, writes, fresh reads), counted
	// from when the request arrives: when it passes the answer is 503 with
	// Retry-After, so it goes out well before WriteTimeout drops the
	// connection. It must be shorter than WriteTimeout. Default 5s.
	APITimeout time.Duration
	// AuthFailureBurst and AuthFailuresPerSecond size the token bucket that
	// failed authentications (401) drain, one per client address. While
	// it is empty the address is answered 429 with Retry-After, whatever
	// token it sends. Defaults 20 and 1 per second.
	AuthFailureBurst      int
	AuthFailuresPerSecond float64
	// AuthFailureClients bounds the addresses remembered; the one that
	// failed longest ago is forgotten first. Default 10,000.
	AuthFailureClients int
	// OperatorNamespace is the namespace the operator runs in, where the
	// Workspace controller publishes the digest records of the workspaces'
	// tokens (the only Secrets the server reads). Default rollcall-system.
	OperatorNamespace string
	// TrustedProxies are the peers (e.g. the Ingress controller's pod
	// network) whose X-Forwarded-For names the client address failures
	// are counted against. Empty by default: the header is ignored and the
	// address is the connection's peer, so behind a proxy not listed here
	// all clients share the proxy's bucket.
	TrustedProxies []netip.Prefix
	// DisableAuditEvents turns off the Event each successful SCIM write
	// records on its WorkspaceUser or WorkspaceGroup (one API write per
	// SCIM write, sent asynchronously; the audit log line stays). Off by
	// default: the Events are on.
	DisableAuditEvents bool
}

// AuditEvents reports whether SCIM writes record Events.
func (o Options) AuditEvents() bool { return !o.DisableAuditEvents }

func (o *Options) setDefaults() {
	if o.OperatorNamespace == "" {
		o.OperatorNamespace = scimtoken.DefaultNamespace
	}
	if o.BindAddress == "" {
		o.BindAddress = DefaultBindAddress
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 30 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 120 * time.Second
	}
	if o.APITimeout <= 0 {
		o.APITimeout = DefaultAPITimeout
	}
	if o.AuthFailureBurst <= 0 {
		o.AuthFailureBurst = DefaultAuthFailureBurst
	}
	if o.AuthFailuresPerSecond <= 0 {
		o.AuthFailuresPerSecond = DefaultAuthFailuresPerSecond
	}
	if o.AuthFailureClients <= 0 {
		o.AuthFailureClients = DefaultAuthFailureClients
	}
}

func (o *Options) validate() error {
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		return errors.New("scim server: set both the TLS certificate file and the key file, or neither")
	}
	if o.TLSCertFile == "" && !o.InsecureHTTP {
		return errors.New("scim server: no TLS certificate given; set the certificate and key files, or ask for plain HTTP explicitly")
	}
	if o.APITimeout >= o.WriteTimeout {
		return fmt.Errorf("scim server: the API timeout (%s) must be shorter than the write timeout (%s), or clients get a dropped connection instead of a 503", o.APITimeout, o.WriteTimeout)
	}
	return nil
}
