//go:build faults

package faults

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var policies = []identityv1alpha1.DeprovisioningPolicy{
	identityv1alpha1.DeprovisionRetain, identityv1alpha1.DeprovisionDeactivate, identityv1alpha1.DeprovisionDelete,
}

// fleet is a workspace under one policy, its users provisioned over SCIM,
// and its members as they were before the teardown.
type fleet struct {
	policy identityv1alpha1.DeprovisioningPolicy
	w      *workspace
	before map[string]member
}

// provisionFleets makes one SQLite workspace per policy with n users each
// (over SCIM at scimAddr) and waits until they are synced.
func provisionFleets(t *testing.T, cl *cluster, scimAddr string, n int) []*fleet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns := newNamespace(t, cl)
	dir := t.TempDir()
	var fleets []*fleet
	for _, policy := range policies {
		w := newSQLiteWorkspace(t, cl, ns, "ws-"+strings.ToLower(string(policy)), dir, policy)
		l := newLoad(w.client(scimAddr), 8)
		if err := l.run(ctx, w.userNames("teardown", n)); err != nil {
			t.Fatal(err)
		}
		w.waitConverged(t, keys(l), 2*time.Minute)
		members, err := w.members()
		if err != nil {
			t.Fatal(err)
		}
		f := &fleet{policy: policy, w: w, before: map[string]member{}}
		for _, m := range members {
			f.before[m.key] = m
		}
		fleets = append(fleets, f)
	}
	return fleets
}

// wrong counts the members lost (gone where the policy keeps them) and
// those in another state than the policy's.
func (f *fleet) wrong() (lost, wrong int, err error) {
	members, err := f.w.members()
	if err != nil {
		return 0, 0, err
	}
	now := map[string]member{}
	for _, m := range members {
		now[m.key] = m
	}
	for key, was := range f.before {
		m, ok := now[key]
		switch {
		case f.policy == identityv1alpha1.DeprovisionDelete:
			if ok {
				wrong++
			}
		case !ok:
			lost++
		case m.userName != was.userName:
			wrong++
		case f.policy == identityv1alpha1.DeprovisionRetain && !m.active,
			f.policy == identityv1alpha1.DeprovisionDeactivate && m.active:
			wrong++
		}
	}
	return lost, wrong, nil
}

// expectByPolicy waits until each fleet's users are gone and its members
// are as its policy says, and reports each fleet's figures.
func expectByPolicy(t *testing.T, fleets []*fleet, start time.Time, scenario string, extra string) {
	t.Helper()
	ctx := context.Background()
	for _, f := range fleets {
		err := eventually(ctx, 2*time.Minute, 250*time.Millisecond, func() error {
			users, err := f.w.users(ctx)
			if err != nil && !strings.Contains(err.Error(), "no matches for kind") && !strings.Contains(err.Error(), "could not find the requested resource") {
				return err
			}
			if len(users) > 0 {
				return fmt.Errorf("%d users of %s still there", len(users), f.w.name)
			}
			_, wrong, err := f.wrong()
			if err != nil {
				return err
			}
			if wrong > 0 {
				return fmt.Errorf("%d members not yet as %s says", wrong, f.policy)
			}
			return nil
		})
		took := time.Since(start)
		if err != nil {
			t.Error(err)
		}
		lost, wrong, err := f.wrong()
		if err != nil {
			t.Fatal(err)
		}
		ty := tally{users: len(f.before), lost: lost}
		name := scenario + "-" + strings.ToLower(string(f.policy))
		report(t, name, ty, took, 2*time.Minute, fmt.Sprintf("wrong_state=%d%s", wrong, extra))
		if wrong > 0 {
			t.Errorf("%s: %d members not as the policy %s says", name, wrong, f.policy)
		}
	}
}

// TestWorkspaceDeletionByPolicy deletes three Workspaces (Retain,
// Deactivate, Delete) of 30 synced users each and kills the manager once
// while they are torn down: every member ends as its workspace's policy
// says and nothing is left behind.
func TestWorkspaceDeletionByPolicy(t *testing.T) {
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	mgr := startRestartable(t, shared, logs, "manager", managerOpts{role: roleBoth, scimAddr: scim})
	fleets := provisionFleets(t, shared, scim, 30)
	ctx := context.Background()
	start := time.Now()
	for _, f := range fleets {
		ws := &identityv1alpha1.Workspace{}
		ws.Namespace, ws.Name = f.w.ns, f.w.name
		if err := shared.c.Delete(ctx, ws); err != nil {
			t.Fatal(err)
		}
	}
	mgr.killAtRandom(1)
	expectByPolicy(t, fleets, start, "teardown", " kills=1")
	for _, f := range fleets {
		err := shared.c.Get(ctx, client.ObjectKey{Namespace: f.w.ns, Name: f.w.name}, &identityv1alpha1.Workspace{})
		if err == nil {
			t.Errorf("workspace %s is still there", f.w.name)
		}
	}
}

// TestUninstallByPolicy deletes the CRDs the way `kubectl delete -f
// config/crd/bases` does (file by file, in name order) while the manager
// runs, on a control plane of its own: every member ends as its
// workspace's policy says.
func TestUninstallByPolicy(t *testing.T) {
	cl := startOwnCluster(t)
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	startManager(t, cl, logs, "manager", managerOpts{role: roleBoth, scimAddr: scim})
	fleets := provisionFleets(t, cl, scim, 30)
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	ctx := context.Background()
	start := time.Now()
	var crds []*unstructured.Unstructured
	for _, file := range files {
		objs, err := manifests.Read(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, crd := range objs {
			if err := cl.c.Delete(ctx, crd); err != nil {
				t.Fatalf("delete CRD %s: %v", crd.GetName(), err)
			}
			crds = append(crds, crd)
		}
	}
	// The members are checked once the CRDs, and so every object, are gone.
	err = eventually(ctx, 3*time.Minute, 250*time.Millisecond, func() error {
		for _, crd := range crds {
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(crd.GroupVersionKind())
			err := cl.c.Get(ctx, client.ObjectKeyFromObject(crd), got)
			if err == nil {
				// Its conditions say what the deletion waits for.
				conditions, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
				return fmt.Errorf("CRD %s is still there (finalizers %v, conditions %v)", crd.GetName(), got.GetFinalizers(), conditions)
			}
			if !apierrors.IsNotFound(err) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	expectByPolicy(t, fleets, start, "uninstall", fmt.Sprintf(" crds_gone_after=%.1fs", time.Since(start).Seconds()))
}
