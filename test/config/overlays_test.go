package config

import "testing"

// TestOverlays renders each overlay and checks that its objects fit
// config/default's: the API server accepts every object of a kind it
// knows (it has no cert-manager or Prometheus operator CRDs, so the
// Certificate and the ServiceMonitor are checked for what they refer to).
func TestOverlays(t *testing.T) {
	ns := find(t, kustomize(t, "config/default"), "Namespace", namespace)
	t.Run("ingress-cert-manager", func(t *testing.T) {
		objs := kustomize(t, "config/overlays/ingress-cert-manager")
		checkPublicTLS(t, objs, "scim.example.com", "rollcall-scim-tls")
		checkHardened(t, objs)
		applyAll(t, append(without(objs, "Certificate", "Namespace"), ns))
	})
	t.Run("prometheus", func(t *testing.T) {
		objs := kustomize(t, "config/overlays/prometheus")
		checkServiceMonitor(t, objs, "monitoring")
		checkHardened(t, objs)
		applyAll(t, append(without(objs, "ServiceMonitor", "Namespace"), ns))
	})
}
