package scimserver_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
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

// tcpProxy forwards connections to the API server until cut.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
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
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut makes the API server unreachable: no new connections, open ones closed.
func (p *tcpProxy) cut() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// TestUnreachableAPIServerAnswers503 runs a server whose only way to the API
// server is a proxy, then cuts it: writes answer 503 with Retry-After,
// reads keep coming from the cache.
func TestUnreachableAPIServerAnswers503(t *testing.T) {
	g := NewWithT(t)
	apiServer, err := url.Parse(env.Config.Host)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(apiServer.Host).NotTo(BeEmpty(), "API server address %q", env.Config.Host)
	proxy := newTCPProxy(t, apiServer.Host)
	cfg := rest.CopyConfig(env.Config)
	cfg.Host = "https://" + proxy.ln.Addr().String()
	skip := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Controller: config.Controller{SkipNameValidation: &skip},
	})
	g.Expect(err).NotTo(HaveOccurred())
	srv, err := scimserver.New(mgr, scimserver.Options{InsecureHTTP: true})
	g.Expect(err).NotTo(HaveOccurred())
	testenv.RunManager(t, mgr)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	tn := newTenant(t, &replica{server: srv, url: hs.URL})
	created := tn.do("POST", "/Users", user("before@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated))
	id := created.body["id"].(string)

	proxy.cut()
	for _, r := range []response{
		tn.do("POST", "/Users", user("during@example.com")),
		tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "x"}}}),
		tn.do("DELETE", "/Users/"+id, nil),
	} {
		g.Expect(r.status).To(Equal(http.StatusServiceUnavailable), r.String())
		g.Expect(r.body["status"]).To(Equal("503"))
		after, err := strconv.Atoi(r.header.Get("Retry-After"))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(after).To(BeNumerically(">", 0))
	}
	read := tn.do("GET", "/Users/"+id, nil)
	g.Expect(read.status).To(Equal(http.StatusOK), "reads come from the cache: %s", read)
}
