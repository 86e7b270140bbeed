// Package scimtoken makes and rotates the bearer tokens that identity
// providers send to a workspace's SCIM endpoint. A token Secret holds the
// current token under "token"; after a rotation it also holds the previous
// one under "previousToken", valid until the time in the annotation
// identity.rollcall.dev/previous-token-expires, so the identity provider can
// be given the new token without a failed sync cycle.
package scimtoken

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// size is the token's entropy: 256 bits.
const size = 32

// MinLength is the shortest token, in bytes, that opens a SCIM endpoint. A
// token brought in one's own Secret that is shorter is refused by the SCIM
// server and reported by the Workspace controller.
const MinLength = 16

// New returns a random token: 256 bits, base64url without padding.
func New() (string, error) {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Rotate gives secret a new token and keeps the current one as the previous
// token until now+grace. A grace of zero ends the old token at once. It
// returns the new token.
func Rotate(secret *corev1.Secret, grace time.Duration, now time.Time) (string, error) {
	if grace < 0 {
		return "", errors.New("the grace period cannot be negative")
	}
	token, err := New()
	if err != nil {
		return "", err
	}
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	if secret.Annotations == nil {
		secret.Annotations = map[string]string{}
	}
	old := secret.Data[identityv1alpha1.TokenSecretKey]
	if len(old) == 0 || grace == 0 {
		delete(secret.Data, identityv1alpha1.PreviousTokenSecretKey)
		delete(secret.Annotations, identityv1alpha1.AnnotationPreviousTokenExpires)
	} else {
		secret.Data[identityv1alpha1.PreviousTokenSecretKey] = old
		secret.Annotations[identityv1alpha1.AnnotationPreviousTokenExpires] = now.Add(grace).UTC().Format(time.RFC3339)
	}
	secret.Data[identityv1alpha1.TokenSecretKey] = []byte(token)
	return token, nil
}

// Previous returns the previous token of secret and when it expires; ok is
// false when there is none or its expiry cannot be read (then it is not valid).
func Previous(secret *corev1.Secret) (token []byte, expires time.Time, ok bool) {
	token = secret.Data[identityv1alpha1.PreviousTokenSecretKey]
	if len(token) == 0 {
		return nil, time.Time{}, false
	}
	expires, err := time.Parse(time.RFC3339, secret.Annotations[identityv1alpha1.AnnotationPreviousTokenExpires])
	if err != nil {
		return nil, time.Time{}, false
	}
	return token, expires, true
}
