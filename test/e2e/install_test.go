package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// install renders config/default with kubectl's kustomize and server-side
// applies every object, as `kubectl apply --server-side -k config/default`
// does: namespaces and CRDs first, so the rest has somewhere to go. It
// returns the kinds it applied, counted.
func install(t *testing.T) map[string]int {
	t.Helper()
	objs := kustomize(t, "config/default")
	ctx := context.Background()
	kinds := map[string]int{}
	first := func(o *unstructured.Unstructured) bool {
		return o.GetKind() == "Namespace" || o.GetKind() == "CustomResourceDefinition"
	}
	for _, pass := range []bool{true, false} {
		for _, obj := range objs {
			if first(obj) != pass {
				continue
			}
			err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()),
				client.FieldOwner("e2e-install"), client.ForceOwnership)
			if err != nil {
				t.Fatalf("apply %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
			}
			kinds[obj.GetKind()]++
		}
	}
	return kinds
}

// kustomize renders a kustomization of the repository with the kubectl
// beside the control plane's binaries.
func kustomize(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	kubectl := filepath.Join(env.BinaryAssetsDirectory, "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("no kubectl in %s: run 'make kubectl' (make test does it)", env.BinaryAssetsDirectory)
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(root, dir)).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, exit.Stderr)
		}
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	file := filepath.Join(t.TempDir(), "default.yaml")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := manifests.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
