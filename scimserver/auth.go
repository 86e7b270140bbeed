package scimserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Token Secrets are read with a direct GET (no list, no watch: the server
// can read a Secret only by name, and only the name a Workspace gives) and
// remembered for tokenTTL. A token that does not match is checked against a
// fresh read at most once per tokenRefreshInterval, so a rotated token works
// at once.
const (
	tokenTTL             = 10 * time.Second
	tokenRefreshInterval = time.Second
)

// tokens checks bearer tokens against the workspaces' token Secrets.
type tokens struct {
	reader client.Reader
	clock  clock.PassiveClock

	mu      sync.Mutex
	secrets map[types.NamespacedName]tokenEntry
}

type tokenEntry struct {
	// digest is the SHA-256 of the token; nil when the Secret has none.
	digest []byte
	// previous is the SHA-256 of the token a rotation replaced, accepted
	// until previousUntil; nil when there is none.
	previous      []byte
	previousUntil time.Time
	fetched       time.Time
}

func newTokens(reader client.Reader, clk clock.PassiveClock) *tokens {
	return &tokens{reader: reader, clock: clk, secrets: map[types.NamespacedName]tokenEntry{}}
}

// bearerToken is the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// authenticate reports whether r carries ws's token. An error means the
// Secret could not be read.
func (t *tokens) authenticate(ctx context.Context, ws *identityv1alpha1.Workspace, r *http.Request) (bool, error) {
	token, ok := bearerToken(r)
	if !ok {
		return false, nil
	}
	presented := sha256.Sum256([]byte(token))
	key := types.NamespacedName{Namespace: ws.Namespace, Name: ws.TokenSecretName()}
	entry, cached := t.cached(key)
	if cached && t.matches(entry, presented[:]) {
		return true, nil
	}
	if cached && t.clock.Since(entry.fetched) < tokenRefreshInterval {
		return false, nil
	}
	entry, err := t.fetch(ctx, key)
	if err != nil {
		return false, err
	}
	return t.matches(entry, presented[:]), nil
}

// matches compares in constant time with the current token and, during its
// grace period, the previous one.
func (t *tokens) matches(e tokenEntry, presented []byte) bool {
	current := e.digest != nil && subtle.ConstantTimeCompare(e.digest, presented) == 1
	previous := e.previous != nil && subtle.ConstantTimeCompare(e.previous, presented) == 1 && t.clock.Now().Before(e.previousUntil)
	return current || previous
}

func (t *tokens) cached(key types.NamespacedName) (tokenEntry, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.secrets[key]
	if !ok || t.clock.Since(e.fetched) > tokenTTL {
		return tokenEntry{}, false
	}
	return e, true
}

func (t *tokens) fetch(ctx context.Context, key types.NamespacedName) (tokenEntry, error) {
	secret := &corev1.Secret{}
	entry := tokenEntry{fetched: t.clock.Now()}
	err := t.reader.Get(ctx, key, secret)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return tokenEntry{}, err
	default:
		// A token shorter than scimtoken.MinLength opens nothing: the
		// Workspace reports it unusable, and it could be guessed.
		if token := strings.TrimSpace(string(secret.Data[identityv1alpha1.TokenSecretKey])); len(token) >= scimtoken.MinLength {
			sum := sha256.Sum256([]byte(token))
			entry.digest = sum[:]
		}
		if token, until, ok := scimtoken.Previous(secret); ok && len(strings.TrimSpace(string(token))) >= scimtoken.MinLength {
			sum := sha256.Sum256([]byte(strings.TrimSpace(string(token))))
			entry.previous, entry.previousUntil = sum[:], until
		}
	}
	t.mu.Lock()
	t.secrets[key] = entry
	t.mu.Unlock()
	return entry, nil
}
