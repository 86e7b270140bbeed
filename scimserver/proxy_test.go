package scimserver_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// apiProxy forwards TCP connections on loopback to the API server, so a
// test can take the API server away from one SCIM server: cut closes it,
// hang freezes it. While hung it still accepts connections and reads what is sent, but
// forwards nothing either way, as an API server that is frozen (SIGSTOP)
// would; on resume what was held back is delivered.
type apiProxy struct {
	ln      net.Listener
	done    chan struct{}
	cutOnce sync.Once

	mu    sync.Mutex
	open  chan struct{} // closed while not hung
	conns []net.Conn
}

func newAPIProxy(t *testing.T, target string) *apiProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := make(chan struct{})
	close(open)
	p := &apiProxy{ln: ln, done: make(chan struct{}), open: open}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go p.forward(out, in)
			go p.forward(in, out)
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *apiProxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

func (p *apiProxy) forward(dst, src net.Conn) {
	defer func() { _ = dst.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case <-p.gate():
			case <-p.done:
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// hang stops forwarding.
func (p *apiProxy) hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.open:
		p.open = make(chan struct{})
	default:
	}
}

// resume forwards again, what was held back first.
func (p *apiProxy) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.open:
	default:
		close(p.open)
	}
}

// cut makes the API server unreachable: no new connections, open ones closed.
func (p *apiProxy) cut() {
	p.cutOnce.Do(func() { close(p.done) })
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// replicaBehindProxy runs a SCIM server (opts) whose only way to the API
// server is an apiProxy, and a tenant on it with one user created while the
// API server answers.
func replicaBehindProxy(t *testing.T, opts scimserver.Options) (*apiProxy, *scimserver.Server, *tenant, string) {
	t.Helper()
	g := NewWithT(t)
	apiServer, err := url.Parse(env.Config.Host)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(apiServer.Host).NotTo(BeEmpty(), "API server address %q", env.Config.Host)
	proxy := newAPIProxy(t, apiServer.Host)
	cfg := rest.CopyConfig(env.Config)
	cfg.Host = "https://" + proxy.ln.Addr().String()
	skip := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Controller: config.Controller{SkipNameValidation: &skip},
	})
	g.Expect(err).NotTo(HaveOccurred())
	opts.InsecureHTTP = true
	srv, err := scimserver.New(mgr, opts)
	g.Expect(err).NotTo(HaveOccurred())
	testenv.RunManager(t, mgr)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tn := newTenant(t, &replica{server: srv, url: hs.URL})
	created := tn.do("POST", "/Users", user("before@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	return proxy, srv, tn, created.body["id"].(string)
}
