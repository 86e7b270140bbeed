package config

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

func convert[T any](t *testing.T, o *unstructured.Unstructured) *T {
	t.Helper()
	out := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, out); err != nil {
		t.Fatalf("%s: %v", key(o), err)
	}
	return out
}

// checkHardened checks what the install promises about the running
// components (docs/installing.md): two replicas each, leader election,
// a service account each, Pod Security restricted's security contexts,
// requests and limits, the SCIM server's readiness, spread, disruption
// budget and network policy.
func checkHardened(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	ctrl := convert[appsv1.Deployment](t, find(t, objs, "Deployment", "rollcall-controller"))
	scim := convert[appsv1.Deployment](t, find(t, objs, "Deployment", "rollcall-scim"))
	for _, d := range []*appsv1.Deployment{ctrl, scim} {
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
			t.Errorf("Deployment %s: replicas %v, want 2", d.Name, d.Spec.Replicas)
		}
		pod := d.Spec.Template.Spec
		find(t, objs, "ServiceAccount", pod.ServiceAccountName)
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot ||
			psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("Deployment %s: pod security context %+v, want runAsNonRoot and seccomp RuntimeDefault", d.Name, psc)
		}
		for _, c := range pod.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
				t.Errorf("Deployment %s container %s: security context %+v, want no privilege escalation, read-only root, all capabilities dropped", d.Name, c.Name, sc)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("Deployment %s container %s: resources %+v, want CPU and memory requests and a memory limit", d.Name, c.Name, c.Resources)
			}
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("Deployment %s container %s: readiness probe %+v, want GET /readyz", d.Name, c.Name, c.ReadinessProbe)
			}
		}
	}
	if !slices.Contains(ctrl.Spec.Template.Spec.Containers[0].Args, "--leader-elect") {
		t.Errorf("the controller runs without --leader-elect: %v", ctrl.Spec.Template.Spec.Containers[0].Args)
	}
	if ctrl.Spec.Template.Spec.ServiceAccountName == scim.Spec.Template.Spec.ServiceAccountName {
		t.Error("the controller and the SCIM server share a service account")
	}

	scimPods := labels.Set(scim.Spec.Template.Labels)
	spread := map[string]bool{}
	for _, c := range scim.Spec.Template.Spec.TopologySpreadConstraints {
		if sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector); err == nil && sel.Matches(scimPods) {
			spread[c.TopologyKey] = true
		}
	}
	if !spread["kubernetes.io/hostname"] {
		t.Errorf("the SCIM pods are not spread over nodes: %+v", scim.Spec.Template.Spec.TopologySpreadConstraints)
	}

	pdb := convert[policyv1.PodDisruptionBudget](t, find(t, objs, "PodDisruptionBudget", "rollcall-scim"))
	if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err != nil || !sel.Matches(scimPods) {
		t.Errorf("PodDisruptionBudget %s does not select the SCIM pods: %v", pdb.Name, pdb.Spec.Selector)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 {
		t.Errorf("PodDisruptionBudget %s: minAvailable %v, want at least 1", pdb.Name, pdb.Spec.MinAvailable)
	}

	svc := convert[corev1.Service](t, find(t, objs, "Service", "rollcall-scim"))
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(scimPods) {
		t.Errorf("Service rollcall-scim does not select the SCIM pods: %v", svc.Spec.Selector)
	}

	// Ingress to the namespace's pods: denied but for the SCIM port.
	var denyAll, scimOpen bool
	for _, o := range ofKind(objs, "NetworkPolicy") {
		np := convert[networkingv1.NetworkPolicy](t, o)
		if len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0 &&
			slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) && len(np.Spec.Ingress) == 0 {
			denyAll = true
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(scimPods) {
			continue
		}
		for _, rule := range np.Spec.Ingress {
			for _, p := range rule.Ports {
				if p.Port != nil && p.Port.String() == "scim" && len(rule.From) == 0 {
					scimOpen = true
				}
			}
		}
	}
	if !denyAll || !scimOpen {
		t.Errorf("network policies: default deny %v, SCIM port open %v; want both", denyAll, scimOpen)
	}
	for _, arg := range scim.Spec.Template.Spec.Containers[0].Args {
		if strings.HasPrefix(arg, "--scim-insecure-http") {
			t.Errorf("the SCIM server serves plain HTTP: %s", arg)
		}
	}
}
