package config

import (
	"testing"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// TestDefaultInstallIsAccepted renders config/default with kubectl's
// kustomize and server-side applies every object, in dry-run, to the API
// server: what `kubectl apply -k config/default` would do.
func TestDefaultInstallIsAccepted(t *testing.T) {
	objs := kustomize(t, "config/default")
	kinds := applyAll(t, objs)
	for _, want := range []string{"CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
		"Role", "RoleBinding", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy",
		"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
		if kinds[want] == 0 {
			t.Errorf("config/default renders no %s; rendered: %v", want, kinds)
		}
	}
	find(t, objs, "CustomResourceDefinition", "workspaces.identity.rollcall.dev")
	ns := find(t, objs, "Namespace", namespace)
	if ns.GetLabels()["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s does not enforce Pod Security restricted: %v", namespace, ns.GetLabels())
	}
	checkHardened(t, objs)
}
