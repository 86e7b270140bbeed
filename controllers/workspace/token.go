package workspace

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

// ensureTokenSecret creates the token Secret when it does not exist. A
// Secret that exists is left alone, whoever made it: bringing one's own token
// is allowed. It reports whether it created the Secret.
func (r *Reconciler) ensureTokenSecret(ctx context.Context, ws *identityv1alpha1.Workspace, name string) (bool, error) {
	existing := &metav1.PartialObjectMetadata{}
	existing.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := r.APIReader.Get(ctx, keyOf(ws.Namespace, name), existing)
	if err == nil {
		return false, nil
	}
	if !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("get token Secret %s: %w", name, err)
	}
	token, err := scimtoken.New()
	if err != nil {
		return false, err
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: ws.Namespace,
			Labels:    map[string]string{identityv1alpha1.LabelWorkspace: ws.Name, identityv1alpha1.LabelManagedBy: identityv1alpha1.ManagedBy},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{identityv1alpha1.TokenSecretKey: []byte(token)},
	}
	if err := controllerutil.SetControllerReference(ws, secret, r.Scheme()); err != nil {
		return false, fmt.Errorf("own token Secret %s: %w", name, err)
	}
	if err := r.Create(ctx, secret); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return false, nil
		}
		return false, fmt.Errorf("create token Secret %s: %w", name, err)
	}
	return true, nil
}

// checkTokenSecret reads the token Secret and says why it is unusable (the
// SCIMReady message), or "" when it is fine. A Secret that is gone or that
// the controller may not read is unusable; any other failed read (a
// timeout, a 429) says nothing about the Secret and is returned as an
// error, so the workqueue retries with backoff.
func (r *Reconciler) checkTokenSecret(ctx context.Context, namespace, name string) (string, error) {
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, keyOf(namespace, name), secret); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
			return fmt.Sprintf("read token Secret %s: %v", name, err), nil
		}
		return "", fmt.Errorf("read token Secret %s: %w", name, err)
	}
	if len(strings.TrimSpace(string(secret.Data[identityv1alpha1.TokenSecretKey]))) < scimtoken.MinLength {
		return fmt.Sprintf("token Secret %s has no key %q of at least %d bytes", name, identityv1alpha1.TokenSecretKey, scimtoken.MinLength), nil
	}
	return "", nil
}
