package config

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { testenv.Main(m, &env) }

// TestDefaultInstallIsAccepted renders config/default with kubectl's
// kustomize and server-side applies every object, in dry-run, to the API
// server: what `kubectl apply -k config/default` would do.
func TestDefaultInstallIsAccepted(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out, objs := render(t, root)
	kinds := map[string]int{}
	ctx := context.Background()
	// Namespaces first, so the namespaced objects have somewhere to go.
	for _, pass := range []func(*unstructured.Unstructured) bool{isNamespace, not(isNamespace)} {
		for _, obj := range objs {
			if !pass(obj) {
				continue
			}
			opts := []client.ApplyOption{client.FieldOwner("config-test"), client.ForceOwnership}
			if !isNamespace(obj) && obj.GetKind() != "CustomResourceDefinition" {
				opts = append(opts, client.DryRunAll)
			}
			if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), opts...); err != nil {
				t.Errorf("apply %s %s: %v", obj.GetKind(), obj.GetName(), err)
			}
			kinds[obj.GetKind()]++
		}
	}
	for _, want := range []string{"CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"} {
		if kinds[want] == 0 {
			t.Errorf("config/default renders no %s; rendered: %v", want, kinds)
		}
	}
	if !bytes.Contains(out, []byte("workspaces.identity.rollcall.dev")) {
		t.Error("config/default does not install the Workspace CRD")
	}
}

// render is `kubectl kustomize config/default`, as text and as objects.
func render(t *testing.T, root string) ([]byte, []*unstructured.Unstructured) {
	t.Helper()
	kubectl := filepath.Join(env.BinaryAssetsDirectory, "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("no kubectl in %s: run 'make kubectl' (make test does it)", env.BinaryAssetsDirectory)
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(root, "config", "default")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v", err)
	}
	file := filepath.Join(t.TempDir(), "install.yaml")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := manifests.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	return out, objs
}

func isNamespace(obj *unstructured.Unstructured) bool { return obj.GetKind() == "Namespace" }

func not(f func(*unstructured.Unstructured) bool) func(*unstructured.Unstructured) bool {
	return func(obj *unstructured.Unstructured) bool { return !f(obj) }
}
