package config

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// The labels helm adds to every object; config/ has none of them.
var helmLabels = []string{"helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance"}

// normalised is o without helm's own labels (on the object and on a pod
// template), so an object of the chart compares equal to config/'s.
func normalised(o *unstructured.Unstructured) map[string]any {
	c := o.DeepCopy()
	strip := func(fields ...string) {
		m, found, _ := unstructured.NestedStringMap(c.Object, fields...)
		if !found {
			return
		}
		for _, l := range helmLabels {
			delete(m, l)
		}
		if len(m) == 0 {
			unstructured.RemoveNestedField(c.Object, fields...)
			return
		}
		_ = unstructured.SetNestedStringMap(c.Object, m, fields...)
	}
	strip("metadata", "labels")
	strip("spec", "template", "metadata", "labels")
	return c.Object
}

// compareObjects fails for every object one rendering has and the other
// has not, and for every object whose normalised content differs.
func compareObjects(t *testing.T, kustomized, charted []*unstructured.Unstructured) {
	t.Helper()
	k, h := byKey(kustomized), byKey(charted)
	var keys []string
	for name := range k {
		keys = append(keys, name)
	}
	for name := range h {
		if _, ok := k[name]; !ok {
			keys = append(keys, name)
		}
	}
	sort.Strings(keys)
	for _, name := range keys {
		switch ko, ho := k[name], h[name]; {
		case ho == nil:
			t.Errorf("%s: in config/, not in the chart", name)
		case ko == nil:
			t.Errorf("%s: in the chart, not in config/", name)
		default:
			if diff := cmp.Diff(normalised(ko), normalised(ho)); diff != "" {
				t.Errorf("%s differs (-config/ +chart):\n%s", name, diff)
			}
		}
	}
}

// TestChartMatchesDefaultInstall: with its default values the chart
// renders the objects of config/default, field for field (but helm's own
// labels, and the Namespace, which helm install --create-namespace makes),
// and the API server accepts them.
func TestChartMatchesDefaultInstall(t *testing.T) {
	kustomized := without(kustomize(t, "config/default"), "Namespace")
	charted := helmTemplate(t)
	compareObjects(t, kustomized, charted)
	for _, o := range charted {
		// The CRDs come verbatim from crds/, which helm does not template.
		if o.GetKind() != "CustomResourceDefinition" && o.GetLabels()["app.kubernetes.io/managed-by"] != "Helm" {
			t.Errorf("%s has no app.kubernetes.io/managed-by=Helm label: %v", key(o), o.GetLabels())
		}
	}
	ns := find(t, kustomize(t, "config/default"), "Namespace", namespace)
	applyAll(t, append(charted, ns))
}

// TestChartOptionsMatchOverlays: the chart's Ingress, cert-manager and
// Prometheus options render the objects of the matching overlays.
func TestChartOptionsMatchOverlays(t *testing.T) {
	t.Run("ingress-cert-manager", func(t *testing.T) {
		compareObjects(t,
			without(kustomize(t, "config/overlays/ingress-cert-manager"), "Namespace"),
			helmTemplate(t, `ingress.enabled=true`, `tls.certManager.enabled=true`, `tls.certManager.issuerRef.name="letsencrypt"`))
	})
	t.Run("prometheus", func(t *testing.T) {
		compareObjects(t,
			without(kustomize(t, "config/overlays/prometheus"), "Namespace"),
			helmTemplate(t, `serviceMonitor.enabled=true`))
	})
}

// TestChartValues renders the chart with every value changed and checks
// that each reaches the objects it should, and that the API server accepts
// them (but the Certificate and ServiceMonitor, whose CRDs it lacks).
func TestChartValues(t *testing.T) {
	objs := helmTemplate(t,
		`publicBaseURL="https://idp-sync.acme.example"`,
		`controller.replicas=3`, `scim.replicas=4`,
		`scim.resources={"requests":{"cpu":"250m","memory":"512Mi"},"limits":{"memory":"2Gi"}}`,
		`image={"repository":"registry.acme.example/rollcall","tag":"v1.2.3","pullPolicy":"IfNotPresent"}`,
		`tls={"secretName":"acme-scim-tls","certManager":{"enabled":true,"issuerRef":{"kind":"Issuer","name":"acme-ca"}}}`,
		`ingress.enabled=true`, `serviceMonitor.enabled=true`,
		`nodeSelector={"kubernetes.io/os":"linux","pool":"system"}`,
		`tolerations=[{"key":"dedicated","operator":"Equal","value":"system","effect":"NoSchedule"}]`,
		`extraLabels={"team":"identity"}`,
	)
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" {
			continue
		}
		if o.GetLabels()["team"] != "identity" {
			t.Errorf("%s lacks the extra label team=identity: %v", key(o), o.GetLabels())
		}
	}
	ctrl := convert[appsv1.Deployment](t, find(t, objs, "Deployment", "rollcall-controller"))
	scim := convert[appsv1.Deployment](t, find(t, objs, "Deployment", "rollcall-scim"))
	for d, replicas := range map[*appsv1.Deployment]int32{ctrl: 3, scim: 4} {
		pod := d.Spec.Template.Spec
		if *d.Spec.Replicas != replicas {
			t.Errorf("Deployment %s: replicas %d, want %d", d.Name, *d.Spec.Replicas, replicas)
		}
		if d.Spec.Template.Labels["team"] != "identity" {
			t.Errorf("Deployment %s: pods lack the extra label: %v", d.Name, d.Spec.Template.Labels)
		}
		if _, extra := d.Spec.Selector.MatchLabels["team"]; extra {
			t.Errorf("Deployment %s: extra labels reach the selector, which cannot change: %v", d.Name, d.Spec.Selector.MatchLabels)
		}
		if pod.NodeSelector["pool"] != "system" || len(pod.Tolerations) != 1 || pod.Tolerations[0].Key != "dedicated" {
			t.Errorf("Deployment %s: node placement %v %v", d.Name, pod.NodeSelector, pod.Tolerations)
		}
		c := pod.Containers[0]
		if c.Image != "registry.acme.example/rollcall:v1.2.3" || c.ImagePullPolicy != "IfNotPresent" {
			t.Errorf("Deployment %s: image %s (%s)", d.Name, c.Image, c.ImagePullPolicy)
		}
		if !slices.Contains(c.Args, "--public-base-url=https://idp-sync.acme.example") {
			t.Errorf("Deployment %s: args %v lack the public base URL", d.Name, c.Args)
		}
	}
	if r := scim.Spec.Template.Spec.Containers[0].Resources; r.Limits.Memory().String() != "2Gi" || r.Requests.Cpu().String() != "250m" {
		t.Errorf("SCIM resources %+v, want the values' (cpu 250m, memory limit 2Gi)", r)
	}
	if scim.Spec.Template.Spec.Volumes[0].Secret.SecretName != "acme-scim-tls" {
		t.Errorf("the SCIM pods serve Secret %s, want acme-scim-tls", scim.Spec.Template.Spec.Volumes[0].Secret.SecretName)
	}
	checkPublicTLS(t, objs, "idp-sync.acme.example", "acme-scim-tls")
	cert := find(t, objs, "Certificate", "rollcall-scim")
	if kind, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "kind"); kind != "Issuer" {
		t.Errorf("Certificate issuer kind %q, want Issuer", kind)
	}
	checkServiceMonitor(t, objs, "monitoring")

	ns := find(t, kustomize(t, "config/default"), "Namespace", namespace)
	applyAll(t, append(without(objs, "Certificate", "ServiceMonitor"), ns))
}

// checkPublicTLS: the Certificate is for the public host, in the Secret the
// pods and the Ingress serve; the Ingress routes /scim/ on that host to the
// SCIM Service's port.
func checkPublicTLS(t *testing.T, objs []*unstructured.Unstructured, host, secret string) {
	t.Helper()
	cert := find(t, objs, "Certificate", "rollcall-scim")
	if s, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName"); s != secret {
		t.Errorf("Certificate secretName %q, want %q", s, secret)
	}
	if names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames"); !slices.Equal(names, []string{host}) {
		t.Errorf("Certificate dnsNames %v, want [%s]", names, host)
	}
	if name, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name"); name == "" {
		t.Error("Certificate names no issuer")
	}
	ing := find(t, objs, "Ingress", "rollcall-scim")
	rules, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
	tls, _, _ := unstructured.NestedSlice(ing.Object, "spec", "tls")
	if len(rules) != 1 || len(tls) != 1 {
		t.Fatalf("Ingress: %d rules and %d tls entries, want one each", len(rules), len(tls))
	}
	rule, entry := rules[0].(map[string]any), tls[0].(map[string]any)
	if rule["host"] != host || entry["secretName"] != secret || !slices.Equal(toStrings(entry["hosts"]), []string{host}) {
		t.Errorf("Ingress: rule host %v, tls %v; want host %s and Secret %s", rule["host"], entry, host, secret)
	}
	paths, _, _ := unstructured.NestedSlice(rule, "http", "paths")
	if len(paths) != 1 {
		t.Fatalf("Ingress: %d paths, want 1", len(paths))
	}
	backend, _, _ := unstructured.NestedMap(paths[0].(map[string]any), "backend", "service")
	svc := find(t, objs, "Service", backend["name"].(string))
	port, _, _ := unstructured.NestedString(backend, "port", "name")
	if !hasPort(svc, port) {
		t.Errorf("Ingress backend port %q is not a port of Service %s", port, svc.GetName())
	}
	tenantPath := "/scim/v2/some-namespace/some-workspace/Users"
	if path, _ := paths[0].(map[string]any)["path"].(string); !strings.HasPrefix(tenantPath, path) {
		t.Errorf("Ingress path %q does not cover the Tenant URLs (%s)", path, tenantPath)
	}
	for _, d := range ofKind(objs, "Deployment") {
		dep := convert[appsv1.Deployment](t, d)
		for _, arg := range dep.Spec.Template.Spec.Containers[0].Args {
			if v, ok := strings.CutPrefix(arg, "--public-base-url="); ok {
				if u, err := url.Parse(v); err != nil || u.Host != host {
					t.Errorf("Deployment %s: --public-base-url %s, want host %s", dep.Name, v, host)
				}
			}
		}
	}
}

// checkServiceMonitor: the ServiceMonitor selects a Service whose port it
// names and that selects both components' pods, and a NetworkPolicy lets
// Prometheus's namespace reach that port.
func checkServiceMonitor(t *testing.T, objs []*unstructured.Unstructured, promNamespace string) {
	t.Helper()
	sm := find(t, objs, "ServiceMonitor", "rollcall")
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(sel) == 0 || len(endpoints) != 1 {
		t.Fatalf("ServiceMonitor: selector %v, %d endpoints", sel, len(endpoints))
	}
	port := endpoints[0].(map[string]any)["port"].(string)
	var svcs []*unstructured.Unstructured
	for _, s := range ofKind(objs, "Service") {
		if labels.SelectorFromSet(sel).Matches(labels.Set(s.GetLabels())) {
			svcs = append(svcs, s)
		}
	}
	if len(svcs) != 1 || !hasPort(svcs[0], port) {
		t.Fatalf("ServiceMonitor selects %d Services, want one with port %q", len(svcs), port)
	}
	podSel, _, _ := unstructured.NestedStringMap(svcs[0].Object, "spec", "selector")
	for _, d := range ofKind(objs, "Deployment") {
		dep := convert[appsv1.Deployment](t, d)
		if !labels.SelectorFromSet(podSel).Matches(labels.Set(dep.Spec.Template.Labels)) {
			t.Errorf("Service %s does not select the pods of %s", svcs[0].GetName(), dep.Name)
		}
	}
	np := find(t, objs, "NetworkPolicy", "rollcall-metrics")
	ingress, _, _ := unstructured.NestedSlice(np.Object, "spec", "ingress")
	if len(ingress) != 1 {
		t.Fatalf("NetworkPolicy rollcall-metrics: %d ingress rules, want 1", len(ingress))
	}
	from, _, _ := unstructured.NestedSlice(ingress[0].(map[string]any), "from")
	ports, _, _ := unstructured.NestedSlice(ingress[0].(map[string]any), "ports")
	nsLabels, _, _ := unstructured.NestedStringMap(from[0].(map[string]any), "namespaceSelector", "matchLabels")
	if nsLabels["kubernetes.io/metadata.name"] != promNamespace || len(ports) != 1 || ports[0].(map[string]any)["port"] != "metrics" {
		t.Errorf("NetworkPolicy rollcall-metrics admits %v on %v, want namespace %s on port metrics", from, ports, promNamespace)
	}
}

func hasPort(svc *unstructured.Unstructured, name string) bool {
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	for _, p := range ports {
		if p.(map[string]any)["name"] == name {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		str, _ := s.(string)
		out = append(out, str)
	}
	return out
}
