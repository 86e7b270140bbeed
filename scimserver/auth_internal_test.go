package scimserver

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

// secretReader serves the digest record of the workspace ns/acme in the
// operator namespace rollcall-system, or hangs until the caller's deadline
// while hung is set. Any other Secret is not found.
type secretReader struct {
	client.Reader
	token string
	hung  atomic.Bool
	reads atomic.Int32
}

func (r *secretReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	r.reads.Add(1)
	if r.hung.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	record := scimtoken.DigestRecord("rollcall-system", "ns", "acme", scimtoken.Digests{Current: scimtoken.Digest(r.token)})
	if key != client.ObjectKeyFromObject(record) {
		return apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
	}
	record.DeepCopyInto(obj.(*corev1.Secret))
	return nil
}

// TestTokenLastReadServesWhileAPIServerHangs: once the cached Secret is
// stale and the API server does not answer, the token that matched the last
// read is accepted within tokenStaleGrace, without waiting for the API
// server on every request; another token is never accepted, and past the
// grace neither is.
func TestTokenLastReadServesWhileAPIServerHangs(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	good := "a-token-long-enough-to-be-accepted-0123456789"
	reader := &secretReader{token: good}
	tk := newTokens(reader, "rollcall-system", clk, 50*time.Millisecond)
	ws := &identityv1alpha1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "acme"}}
	request := func(token string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		return r
	}
	ctx := context.Background()
	if ok, err := tk.authenticate(ctx, ws, request(good)); !ok || err != nil {
		t.Fatalf("first read: %v %v", ok, err)
	}

	reader.hung.Store(true)
	clk.Step(tokenTTL + time.Second)
	start := time.Now()
	if ok, err := tk.authenticate(ctx, ws, request(good)); !ok || err != nil {
		t.Fatalf("stale entry, API server hung: got %v %v, want the last read's token accepted", ok, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the Secret read waited %s, want at most its timeout", took)
	}
	readsBefore := reader.reads.Load()
	if ok, err := tk.authenticate(ctx, ws, request(good)); !ok || err != nil {
		t.Fatalf("again within the refresh interval: %v %v", ok, err)
	}
	if reader.reads.Load() != readsBefore {
		t.Errorf("the Secret was read again within tokenRefreshInterval of a failed read")
	}
	ok, err := tk.authenticate(ctx, ws, request("another-token-long-enough-to-be-accepted-0123"))
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a token that did not match the last read: got %v %v, want refused with the read's error (503)", ok, err)
	}
	if e := fromAPIError("read the workspace's token", err); e.Status != http.StatusServiceUnavailable || e.RetryAfter == 0 {
		t.Errorf("answer %d retryAfter %s, want 503 with Retry-After", e.Status, e.RetryAfter)
	}

	clk.Step(tokenStaleGrace)
	if ok, err := tk.authenticate(ctx, ws, request(good)); ok || err == nil {
		t.Errorf("past the grace: got %v %v, want refused with an error", ok, err)
	}

	reader.hung.Store(false)
	clk.Step(tokenRefreshInterval)
	if ok, err := tk.authenticate(ctx, ws, request(good)); !ok || err != nil {
		t.Errorf("API server back: %v %v", ok, err)
	}
}
