package config

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// The namespace config/default installs into, and the chart is rendered for.
const namespace = "rollcall-system"

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// kustomize renders a kustomization of config/ with kubectl's kustomize.
func kustomize(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	kubectl := filepath.Join(env.BinaryAssetsDirectory, "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("no kubectl in %s: run 'make kubectl' (make test does it)", env.BinaryAssetsDirectory)
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(repoRoot(t), dir)).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v%s", dir, err, stderr(err))
	}
	return read(t, out)
}

// helmTemplate renders charts/rollcall with bin/helm, CRDs included, with
// the values given as --set-json pairs.
func helmTemplate(t *testing.T, setJSON ...string) []*unstructured.Unstructured {
	t.Helper()
	root := repoRoot(t)
	helm := filepath.Join(root, "bin", "helm")
	if _, err := os.Stat(helm); err != nil {
		t.Fatal("no bin/helm: run 'make helm' (make test does it)")
	}
	args := []string{"template", "rollcall", filepath.Join(root, "charts", "rollcall"), "--namespace", namespace, "--include-crds"}
	for _, s := range setJSON {
		args = append(args, "--set-json", s)
	}
	out, err := exec.Command(helm, args...).Output()
	if err != nil {
		t.Fatalf("helm %s: %v%s", strings.Join(args, " "), err, stderr(err))
	}
	return read(t, out)
}

func stderr(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return "\n" + string(exit.Stderr)
	}
	return ""
}

func read(t *testing.T, yaml []byte) []*unstructured.Unstructured {
	t.Helper()
	file := filepath.Join(t.TempDir(), "objects.yaml")
	if err := os.WriteFile(file, yaml, 0o600); err != nil {
		t.Fatal(err)
	}
	objs, err := manifests.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// applyAll server-side applies the objects as `kubectl apply` would:
// namespaces and CRDs for real (so the rest has somewhere to go and a
// schema), everything else in dry-run. It counts the objects by kind.
func applyAll(t *testing.T, objs []*unstructured.Unstructured) map[string]int {
	t.Helper()
	kinds := map[string]int{}
	ctx := context.Background()
	first := func(o *unstructured.Unstructured) bool {
		return o.GetKind() == "Namespace" || o.GetKind() == "CustomResourceDefinition"
	}
	for _, pass := range []bool{true, false} {
		for _, obj := range objs {
			if first(obj) != pass {
				continue
			}
			opts := []client.ApplyOption{client.FieldOwner("config-test"), client.ForceOwnership}
			if !pass {
				opts = append(opts, client.DryRunAll)
			}
			if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()), opts...); err != nil {
				t.Errorf("apply %s %s: %v", obj.GetKind(), obj.GetName(), err)
			}
			kinds[obj.GetKind()]++
		}
	}
	return kinds
}

// key names an object as kubectl does: Kind/namespace/name.
func key(o *unstructured.Unstructured) string {
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

func byKey(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		m[key(o)] = o
	}
	return m
}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

func ofKind(objs []*unstructured.Unstructured, kinds ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		for _, k := range kinds {
			if o.GetKind() == k {
				out = append(out, o)
			}
		}
	}
	return out
}

// without drops the objects of the given kinds: those whose CRDs (cert-manager,
// Prometheus operator) the test API server does not have.
func without(objs []*unstructured.Unstructured, kinds ...string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
next:
	for _, o := range objs {
		for _, k := range kinds {
			if o.GetKind() == k {
				continue next
			}
		}
		out = append(out, o)
	}
	return out
}
