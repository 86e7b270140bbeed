package scimserver_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver"
)

// selfSignedCert writes a certificate and key for 127.0.0.1 and returns
// their paths and a pool that trusts the certificate.
func selfSignedCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "scim.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestServesTLSAsAManagerRunnable runs the server the way cmd/manager does:
// added to a manager, listening with a certificate from files.
func TestServesTLSAsAManagerRunnable(t *testing.T) {
	g := NewWithT(t)
	certFile, keyFile, pool := selfSignedCert(t)
	mgr, err := env.NewManager(ctrl.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	srv, err := scimserver.New(mgr, scimserver.Options{BindAddress: "127.0.0.1:0", TLSCertFile: certFile, TLSKeyFile: keyFile,
		PublicBaseURL: "https://scim.example.test"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(srv.NeedLeaderElection()).To(BeFalse())
	g.Expect(mgr.Add(srv)).To(Succeed())
	testenv.RunManager(t, mgr)
	g.Eventually(srv.Addr).WithTimeout(20 * time.Second).ShouldNot(BeNil())
	g.Eventually(func() error { return srv.ReadyCheck(nil) }).WithTimeout(20 * time.Second).Should(Succeed())

	tn := &tenant{t: t}
	tn.namespace = testenv.NewNamespace(t, env.Client)
	// Reuse the tenant helpers over HTTPS.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	saved := http.DefaultClient
	http.DefaultClient = client
	t.Cleanup(func() { http.DefaultClient = saved })
	tn = newTenantIn(t, &replica{server: srv, url: "https://" + srv.Addr().String()}, tn.namespace, "tls")
	r := tn.do("POST", "/Users", user("tls@example.com"))
	g.Expect(r.status).To(Equal(http.StatusCreated), r.String())
	g.Expect(r.body["meta"].(map[string]any)["location"]).To(HavePrefix("https://scim.example.test" + identityv1alpha1.TenantPath(tn.namespace, "tls") + "/Users/"))

	plain, err := http.Get("http://" + srv.Addr().String() + "/scim/v2/x/y/Users")
	if err == nil {
		_ = plain.Body.Close()
		g.Expect(plain.StatusCode).To(Equal(http.StatusBadRequest), "a TLS listener answers plain HTTP with an error only")
	}
}

func TestPlainHTTPOnlyWhenAskedFor(t *testing.T) {
	g := NewWithT(t)
	mgr, err := env.NewManager(ctrl.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = scimserver.New(mgr, scimserver.Options{BindAddress: "127.0.0.1:0"})
	g.Expect(err).To(MatchError(ContainSubstring("no TLS certificate")))
	_, err = scimserver.New(mgr, scimserver.Options{TLSCertFile: "only-a-cert.pem"})
	g.Expect(err).To(HaveOccurred())
}

func TestMetricsCountRequests(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	label := tn.namespace + "/acme"
	for i := 0; i < 3; i++ {
		g.Expect(tn.do("GET", "/Users/unknown", nil).status).To(Equal(http.StatusNotFound))
	}
	families, err := metrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	var count float64
	var observed uint64
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := labelsOf(m)
			if labels["workspace"] != label || labels["resource"] != "Users" || labels["method"] != "GET" {
				continue
			}
			switch f.GetName() {
			case "rollcall_scim_requests_total":
				if labels["status"] == "404" {
					count = m.GetCounter().GetValue()
				}
			case "rollcall_scim_request_duration_seconds":
				observed = m.GetHistogram().GetSampleCount()
			}
		}
	}
	g.Expect(count).To(BeNumerically("==", 3))
	g.Expect(observed).To(BeNumerically(">=", 3))
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}
