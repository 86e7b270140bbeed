package workspace

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

// The controller publishes, for each Workspace, a digest record in the
// operator's namespace: the SHA-256 of its current and previous tokens,
// never a token (scimtoken.DigestRecord). The SCIM server reads only these
// records, so it needs no right on any token Secret
// (docs/design/0004-token-digests.md). The namespace is set by kustomize
// with the rest of config/default.
// +kubebuilder:rbac:groups="",namespace=rollcall-system,resources=secrets,verbs=get;create;update;delete

// operatorNamespace is where the digest records go.
func (r *Reconciler) operatorNamespace() string {
	if r.OperatorNamespace == "" {
		return scimtoken.DefaultNamespace
	}
	return r.OperatorNamespace
}

// publishedToken is what publishTokenDigests published: the version of
// the token Secret, and since when its current token has been published.
type publishedToken struct {
	version string
	since   *metav1.Time
}

// publishTokenDigests writes ws's digest record from its token Secret, or
// withdraws it when the Secret is gone, may not be read or holds no usable
// token. It runs whether SCIM is on or off: the token of a workspace whose
// endpoint is off opens its 404 (docs/design/0200-scim-server.md). Any other
// failed read is returned, and the record as last published stays in use.
// It returns the zero publishedToken when none is published.
func (r *Reconciler) publishTokenDigests(ctx context.Context, ws *identityv1alpha1.Workspace) (publishedToken, error) {
	name := ws.TokenSecretName()
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, keyOf(ws.Namespace, name), secret); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
			return publishedToken{}, r.withdrawTokenDigests(ctx, ws)
		}
		return publishedToken{}, fmt.Errorf("read token Secret %s: %w", name, err)
	}
	digests := scimtoken.DigestsOf(secret)
	if digests.Current == nil && digests.Previous == nil {
		return publishedToken{}, r.withdrawTokenDigests(ctx, ws)
	}
	since, err := r.writeTokenDigests(ctx, ws, digests, secret.CreationTimestamp.Time)
	if err != nil {
		return publishedToken{}, err
	}
	return publishedToken{version: secret.ResourceVersion, since: &since}, nil
}

// writeTokenDigests creates or updates ws's digest record to hold digests,
// and returns since when its current digest has been published. The time
// is kept on the record (scimtoken.AnnotationTokenPublished), read fresh
// with it, not in the Workspace's status: a status read from the cache
// may predate the reconcile that published a rotation. A record that has
// no time yet (published before it was kept) counts from created, the
// token Secret's creation: an age too high, never too low, for an alert.
func (r *Reconciler) writeTokenDigests(ctx context.Context, ws *identityv1alpha1.Workspace, digests scimtoken.Digests, created time.Time) (metav1.Time, error) {
	want := scimtoken.DigestRecord(r.operatorNamespace(), ws.Namespace, ws.Name, digests)
	got := &corev1.Secret{}
	err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(want), got)
	switch {
	case apierrors.IsNotFound(err):
		since := scimtoken.SetPublished(want, r.now())
		if err := r.Create(ctx, want); err != nil {
			return metav1.Time{}, fmt.Errorf("publish token digests %s/%s: %w", want.Namespace, want.Name, err)
		}
		log.FromContext(ctx).Info("published token digests", "record", want.Name)
		return since, nil
	case err != nil:
		return metav1.Time{}, fmt.Errorf("read token digests %s/%s: %w", want.Namespace, want.Name, err)
	}
	var since metav1.Time
	if string(got.Data[scimtoken.DigestKey]) != string(want.Data[scimtoken.DigestKey]) {
		since = scimtoken.SetPublished(want, r.now()) // a first token, a rotation, an edit of a brought one
	} else if at, ok := scimtoken.Published(got); ok {
		since = scimtoken.SetPublished(want, at)
	} else {
		since = scimtoken.SetPublished(want, created)
	}
	if maps.Equal(got.Labels, want.Labels) && maps.Equal(got.Annotations, want.Annotations) && equalData(got.Data, want.Data) {
		return since, nil
	}
	// An Update carries the resourceVersion read: a concurrent change is a
	// conflict, and the retry reads both Secrets again.
	got.Labels, got.Annotations, got.Data, got.Type = want.Labels, want.Annotations, want.Data, want.Type
	if err := r.Update(ctx, got); err != nil {
		return metav1.Time{}, fmt.Errorf("publish token digests %s/%s: %w", want.Namespace, want.Name, err)
	}
	log.FromContext(ctx).Info("updated token digests", "record", want.Name)
	return since, nil
}

// withdrawTokenDigests deletes ws's digest record: no token opens its
// endpoint any more.
func (r *Reconciler) withdrawTokenDigests(ctx context.Context, ws *identityv1alpha1.Workspace) error {
	record := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: r.operatorNamespace(), Name: scimtoken.DigestRecordName(ws.Namespace, ws.Name)}}
	if err := r.Delete(ctx, record); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("withdraw token digests %s/%s: %w", record.Namespace, record.Name, err)
	}
	log.FromContext(ctx).Info("withdrew token digests", "record", record.Name)
	return nil
}

func equalData(a, b map[string][]byte) bool {
	return maps.EqualFunc(a, b, func(x, y []byte) bool { return string(x) == string(y) })
}

// workspacesOfSecret maps a Secret to the Workspaces it concerns: a digest
// record to its workspace (re-published when someone changes or deletes
// it), any other Secret to the Workspaces of its namespace whose token
// Secret it is, owned or brought (spec.scim.tokenSecretName), so a rotation
// or an edit is published at once.
func (r *Reconciler) workspacesOfSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	if obj.GetNamespace() == r.operatorNamespace() {
		if ns, name, ok := scimtoken.WorkspaceOfDigestRecord(obj); ok {
			return []reconcile.Request{{NamespacedName: keyOf(ns, name)}}
		}
	}
	// A brought token Secret may have any name: the Workspaces of the
	// namespace (from the cache) say which is theirs.
	list := &identityv1alpha1.WorkspaceList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "list the Workspaces of a token Secret", "secret", obj.GetName())
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		ws := &list.Items[i]
		if ws.TokenSecretName() == obj.GetName() {
			out = append(out, reconcile.Request{NamespacedName: keyOf(ws.Namespace, ws.Name)})
		}
	}
	return out
}
