// Package testenv starts a real kube-apiserver and etcd for tests: the
// binaries that `make control-plane` builds from source into bin/k8s/<version>.
// The CRDs of config/crd/bases and the admission policies of config/policies
// are installed, and the operator's namespace created, before any test runs.
package testenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

// Env is a running control plane with the Rollcall CRDs installed.
type Env struct {
	*envtest.Environment

	// Config connects as a cluster admin (system:masters).
	Config *rest.Config
	// Scheme knows the built-in types and the Rollcall API.
	Scheme *runtime.Scheme
	// Client is an admin client; it bypasses RBAC and admission policies'
	// authorizer checks, so tests of who may do what use AddUser.
	Client client.Client
	// ServerVersion is what the running kube-apiserver reports, e.g. v1.37.2.
	ServerVersion string
}

// Start starts etcd and kube-apiserver and installs the CRDs and policies.
// Call Stop when done (TestMain is the usual place).
func Start() (*Env, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	assets, err := assetsDir(root)
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := identityv1alpha1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start control plane from %s: %w", assets, err)
	}
	e := &Env{Environment: env, Config: cfg, Scheme: scheme}
	if e.Client, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		_ = env.Stop()
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	info, err := disc.ServerVersion()
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("read server version: %w", err)
	}
	e.ServerVersion = info.GitVersion
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := manifests.Install(ctx, e.Client, filepath.Join(root, "config", "policies")); err != nil {
		_ = env.Stop()
		return nil, err
	}
	// The operator's namespace, where the Workspace controller publishes
	// the digest records the SCIM server reads.
	operator := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: scimtoken.DefaultNamespace}}
	if err := e.Client.Create(ctx, operator); err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("create the operator namespace: %w", err)
	}
	return e, nil
}

// RepoRoot finds the directory holding the operator's go.mod, walking up
// from the working directory (a test runs in its package's directory).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil &&
			strings.HasPrefix(string(data), "module github.com/rollcall-dev/rollcall\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (the go.mod of github.com/rollcall-dev/rollcall)")
		}
		dir = parent
	}
}

// KubeVersion is the Kubernetes version the wrapper module in
// hack/kube-apiserver builds, e.g. v1.37.2.
func KubeVersion(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "hack", "kube-apiserver", "go.mod"))
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "require k8s.io/kubernetes "); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", errors.New("hack/kube-apiserver/go.mod does not require k8s.io/kubernetes")
}

// assetsDir is KUBEBUILDER_ASSETS when set, else bin/k8s/<version>.
func assetsDir(root string) (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		version, err := KubeVersion(root)
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "k8s", version)
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return "", fmt.Errorf("no %s in %s: run 'make control-plane' (make test does it) to build it from source", bin, dir)
		}
	}
	return dir, nil
}
