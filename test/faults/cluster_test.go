//go:build faults

package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// cluster is a control plane the manager processes run against: etcd and
// kube-apiserver (as envtest starts them, with the CRDs and policies), an
// admin kubeconfig file for the children, and the kube-apiserver process
// for the tests that freeze or kill it.
type cluster struct {
	env        *testenv.Env
	c          client.Client
	apiserver  *testenv.APIServerProcess
	dir        string
	kubeconfig string
}

func repoRoot() (string, error) { return testenv.RepoRoot() }

// startCluster starts a control plane; stop it with stop.
func startCluster() (*cluster, error) {
	env, err := testenv.Start()
	if err != nil {
		return nil, err
	}
	cl := &cluster{env: env, c: env.Client}
	if cl.dir, err = os.MkdirTemp("", "rollcall-faults-cluster-"); err != nil {
		cl.stop()
		return nil, err
	}
	admin, err := env.AddUser(envtest.User{Name: "faults-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		cl.stop()
		return nil, fmt.Errorf("add admin user: %w", err)
	}
	data, err := admin.KubeConfig()
	if err != nil {
		cl.stop()
		return nil, err
	}
	cl.kubeconfig = filepath.Join(cl.dir, "kubeconfig")
	if err := os.WriteFile(cl.kubeconfig, data, 0o600); err != nil {
		cl.stop()
		return nil, err
	}
	if cl.apiserver, err = env.APIServerProcess(); err != nil {
		cl.stop()
		return nil, err
	}
	return cl, nil
}

// startOwnCluster is startCluster for one test, stopped when it ends.
func startOwnCluster(t *testing.T) *cluster {
	t.Helper()
	cl, err := startCluster()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.stop)
	return cl
}

func (cl *cluster) stop() {
	if cl.apiserver != nil {
		cl.apiserver.Close()
	}
	if err := cl.env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop control plane:", err)
	}
	if cl.dir != "" {
		_ = os.RemoveAll(cl.dir)
	}
}

// eventually polls fn every interval until it returns nil or timeout
// passes, and returns fn's last error then.
func eventually(ctx context.Context, timeout, interval time.Duration, fn func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s: %w", timeout, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
