package workspace_test

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
)

// failingSecretReader finds every Secret's metadata (the token Secret
// exists) and fails every read of a Secret's data with err.
type failingSecretReader struct{ err error }

func (r failingSecretReader) Get(_ context.Context, _ client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	if _, ok := obj.(*metav1.PartialObjectMetadata); ok {
		return nil
	}
	return r.err
}

func (r failingSecretReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return r.err
}

// A read of the token Secret that fails for a reason that says nothing
// about the Secret (a timeout, a 429) is returned, so the workqueue retries
// with backoff, rather than reported as an invalid Secret and dropped.
func TestTokenSecretReadFailureIsRetried(t *testing.T) {
	secrets := schema.GroupResource{Resource: "secrets"}
	for name, readErr := range map[string]error{
		"too many requests": apierrors.NewTooManyRequests("slow down", 1),
		"timeout":           apierrors.NewTimeoutError("the read timed out", 1),
		"server timeout":    apierrors.NewServerTimeout(secrets, "get", 1),
	} {
		t.Run(name, func(t *testing.T) {
			ws := sqliteWorkspace("ns", "acme")
			// Past the first reconcile, which only adds the finalizer.
			ws.Finalizers = []string{identityv1alpha1.UsersFinalizer}
			c := fake.NewClientBuilder().WithScheme(env.Scheme).WithObjects(ws).WithStatusSubresource(ws).Build()
			r := &workspace.Reconciler{
				Client:        c,
				APIReader:     failingSecretReader{err: readErr},
				Recorder:      events.NewFakeRecorder(10),
				PublicBaseURL: publicURL,
			}
			_, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(ws)})
			if err == nil {
				t.Fatal("Reconcile returned no error: the failed read of the token Secret would not be retried")
			}
			if apierrors.ReasonForError(err) != apierrors.ReasonForError(readErr) {
				t.Fatalf("Reconcile returned %v, want the read error (%v)", err, readErr)
			}
		})
	}
}
