//go:build faults

package faults

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// TestManagerKilledDuringProvisioningAndDeletion runs the SCIM server and
// the controllers as two processes and kills the controllers' process
// with SIGKILL three times at random points while 200 users are created,
// and three times while 100 of them are deleted (policy Delete), starting
// it again each time. No member is lost or made twice, every deleted user
// goes (no finalizer is left) and so does its member.
func TestManagerKilledDuringProvisioningAndDeletion(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	controllers := startRestartable(t, shared, logs, "controllers", managerOpts{role: roleControllers, scimAddr: scim})
	startManager(t, shared, logs, "scim", managerOpts{role: roleSCIM, scimAddr: scim})
	ns := newNamespace(t, shared)
	w := newSQLiteWorkspace(t, shared, ns, "acme", t.TempDir(), identityv1alpha1.DeprovisionDelete)
	c := w.client(scim)
	waitSCIM(t, c)

	// Provisioning, with three kills.
	l := newLoad(c, 8)
	var faultEnd time.Time
	var wg sync.WaitGroup
	wg.Go(func() { faultEnd = controllers.killAtRandom(3) })
	if err := l.run(ctx, w.userNames("kill", 200)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	at, ty := w.waitConverged(t, keys(l), 2*time.Minute)
	report(t, "manager-sigkill-provision", ty, max(at.Sub(faultEnd), 0), time.Minute, fmt.Sprintf("kills=%d", 3))

	// Deletion of half of them, with three kills.
	all := keys(l)
	deleted, kept := all[:100], all[100:]
	wg.Go(func() { faultEnd = controllers.killAtRandom(3) })
	if err := deleteAll(ctx, c, l, deleted); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	var stuck, leftInStore int
	err := eventually(ctx, 2*time.Minute, 250*time.Millisecond, func() error {
		var err error
		if stuck, leftInStore, err = w.gone(ctx, deleted); err != nil {
			return err
		}
		if stuck+leftInStore > 0 {
			return fmt.Errorf("%d deleted users still there, %d of their members still stored", stuck, leftInStore)
		}
		return nil
	})
	goneAt := time.Now()
	if err != nil {
		t.Error(err)
	}
	_, ty = w.waitConverged(t, kept, time.Minute)
	report(t, "manager-sigkill-delete", ty, max(goneAt.Sub(faultEnd), 0), time.Minute,
		fmt.Sprintf("deleted=%d stuck_finalizers=%d members_left=%d kills=3", len(deleted), stuck, leftInStore))
}

// waitSCIM waits until the SCIM server serves the workspace.
func waitSCIM(t *testing.T, c *scimClient) {
	t.Helper()
	err := eventually(context.Background(), time.Minute, 200*time.Millisecond, func() error {
		_, err := c.find(context.Background(), "probe@faults.example")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// deleteAll sends DELETE /Users/{id} for each userName, 8 at a time,
// retrying what an identity provider retries; a 404 after a retried
// attempt means that attempt went through.
func deleteAll(ctx context.Context, c *scimClient, l *load, userNames []string) error {
	next := make(chan string)
	errs := make(chan error, len(userNames))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for userName := range next {
				retried := false
				for {
					a := c.remove(ctx, l.id(userName))
					if a.status == http.StatusNoContent || (a.status == http.StatusNotFound && retried) {
						break
					}
					if !retryable(a) {
						errs <- fmt.Errorf("DELETE %s: %s", userName, a)
						break
					}
					retried = true
					if err := backoff(ctx, a); err != nil {
						errs <- err
						break
					}
				}
			}
		})
	}
	for _, u := range userNames {
		next <- u
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// gone counts, of userNames, the WorkspaceUsers that still exist (stuck:
// a finalizer not removed) and the members still in the store.
func (w *workspace) gone(ctx context.Context, userNames []string) (stuck, stored int, err error) {
	want := map[string]bool{}
	for _, u := range userNames {
		want[strings.ToLower(u)] = true
	}
	users, err := w.users(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, u := range users {
		if want[strings.ToLower(u.Spec.UserName)] {
			// Confirm from the API server itself, not a list that may lag.
			err := w.cl.c.Get(ctx, client.ObjectKeyFromObject(&u), &identityv1alpha1.WorkspaceUser{})
			if !apierrors.IsNotFound(err) {
				stuck++
			}
		}
	}
	members, err := w.members()
	if err != nil {
		return 0, 0, err
	}
	for _, m := range members {
		if want[strings.ToLower(m.userName)] {
			stored++
		}
	}
	return stuck, stored, nil
}
