//go:build faults

package faults

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// TestManagerKilledBetweenBackendWriteAndStatus puts a reverse proxy
// between the controllers and the HTTP backend that, on the first three
// PUTs the backend answers 201 (a member made), kills the controllers'
// process before the answer reaches it: the member is stored, and the
// user's status cannot say so. The restarted manager finds the member by
// its key and makes no second one.
func TestManagerKilledBetweenBackendWriteAndStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	logs := t.TempDir()
	scim := testenv.FreeAddr(t)
	startManager(t, shared, logs, "scim", managerOpts{role: roleSCIM, scimAddr: scim})
	controllers := startRestartable(t, shared, logs, "controllers", managerOpts{role: roleControllers, scimAddr: scim})

	srv := httpbackendtest.Start("member-token", "member-signing-key")
	t.Cleanup(srv.Close)
	target, err := url.Parse(srv.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	const kills = 3
	var mu sync.Mutex
	var killedKeys []string
	restart := make(chan struct{}, kills)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method != http.MethodPut || resp.StatusCode != http.StatusCreated {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if len(killedKeys) == kills {
			return nil
		}
		controllers.kill() // the member is stored; its answer never arrives
		killedKeys = append(killedKeys, resp.Request.URL.Path[strings.LastIndex(resp.Request.URL.Path, "/")+1:])
		restart <- struct{}{}
		return nil
	}
	front := httptest.NewServer(rp)
	t.Cleanup(front.Close)

	ns := newNamespace(t, shared)
	w := newHTTPWorkspace(t, shared, ns, "acme", front.URL+httpbackendtest.BasePath, srv, 3*time.Second)
	l := newLoad(w.client(scim), 4)
	done := make(chan error, 1)
	go func() { done <- l.run(ctx, w.userNames("killwrite", 60)) }()
	var faultEnd time.Time
	for range kills {
		select {
		case <-restart:
		case <-ctx.Done():
			t.Fatal("the controllers made fewer members than there are kills")
		}
		time.Sleep(500 * time.Millisecond)
		controllers.start()
		faultEnd = time.Now()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	at, ty := w.waitConverged(t, keys(l), 2*time.Minute)
	for _, key := range killedKeys {
		if _, ok := srv.Member(key); !ok {
			t.Errorf("member %s, stored when its manager was killed, is gone", key)
		}
	}
	report(t, "manager-sigkill-after-backend-write", ty, max(at.Sub(faultEnd), 0), time.Minute,
		fmt.Sprintf("kills=%d members=%d", len(killedKeys), srv.Len()))
	if srv.Len() != len(keys(l)) {
		t.Errorf("the backend holds %d members for %d users", srv.Len(), len(keys(l)))
	}
}
