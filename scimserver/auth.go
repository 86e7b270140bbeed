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

// The server reads no token Secret: the Workspace controller publishes, for
// each workspace, a digest record in the operator's namespace holding the
// SHA-256 of its tokens (scimtoken.DigestRecord), and the server may get
// Secrets there, by name, and nowhere else (docs/design/0004-token-digests.md).
// The namespace is set by kustomize with the rest of config/default.
// +kubebuilder:rbac:groups="",namespace=rollcall-system,resources=secrets,verbs=get

// Digest records are read with a direct GET (no list, no watch: the server
// can read a Secret only by name, and the name is a hash of the workspace's)
// and remembered for tokenTTL. A token that does not match is checked
// against a fresh read at most once per tokenRefreshInterval, so a rotated
// token works at once.
//
// A read of the record waits at most tokens.fetchTimeout (half the request's
// API timeout). When the API server does not answer (a timeout, no
// connection, a 5xx), a token that matched the record as last read is
// accepted for tokenStaleGrace after that read, and the record is not asked
// for again until tokenRefreshInterval has passed, so requests do not each
// wait for an API server that is not answering. A token that did not match
// the last read is never accepted this way: it is answered 503, not 401, as
// it may be a rotation the server has not seen.
const (
	tokenTTL             = 10 * time.Second
	tokenRefreshInterval = time.Second
	tokenStaleGrace      = 2 * time.Minute
)

// tokens checks bearer tokens against the workspaces' digest records.
type tokens struct {
	reader client.Reader
	// namespace is the operator's, where the digest records are.
	namespace    string
	clock        clock.PassiveClock
	fetchTimeout time.Duration

	mu      sync.Mutex
	secrets map[types.NamespacedName]tokenEntry
}

type tokenEntry struct {
	// digest is the SHA-256 of the token; nil when the record has none.
	digest []byte
	// previous is the SHA-256 of the token a rotation replaced, accepted
	// until previousUntil; nil when there is none.
	previous      []byte
	previousUntil time.Time
	fetched       time.Time
	// failure is the error of the last read of the record when it failed
	// at failed, after the read this entry holds; nil when it did not.
	failure error
	failed  time.Time
}

func newTokens(reader client.Reader, namespace string, clk clock.PassiveClock, fetchTimeout time.Duration) *tokens {
	return &tokens{reader: reader, namespace: namespace, clock: clk, fetchTimeout: fetchTimeout, secrets: map[types.NamespacedName]tokenEntry{}}
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
// digest record could not be read and the token does not match the last read that
// may still be used (see tokenStaleGrace).
func (t *tokens) authenticate(ctx context.Context, ws *identityv1alpha1.Workspace, r *http.Request) (bool, error) {
	token, ok := bearerToken(r)
	if !ok {
		return false, nil
	}
	presented := sha256.Sum256([]byte(token))
	key := types.NamespacedName{Namespace: t.namespace, Name: scimtoken.DigestRecordName(ws.Namespace, ws.Name)}
	entry, known := t.last(key)
	fresh := known && t.clock.Since(entry.fetched) <= tokenTTL
	if fresh && t.matches(entry, presented[:]) {
		return true, nil
	}
	if fresh && t.clock.Since(entry.fetched) < tokenRefreshInterval {
		return false, nil
	}
	if known && entry.failure != nil && t.clock.Since(entry.failed) < tokenRefreshInterval {
		return t.lastKnown(entry, presented[:])
	}
	got, err := t.fetch(ctx, key)
	if err != nil {
		if !known || fromAPIError("", err).Status != http.StatusServiceUnavailable {
			return false, err
		}
		return t.lastKnown(t.failedAfter(key, entry, err), presented[:])
	}
	return t.matches(got, presented[:]), nil
}

// lastKnown checks a token against the last read of the record while the API
// server does not answer: accepted when it matched within tokenStaleGrace,
// else the read's error.
func (t *tokens) lastKnown(e tokenEntry, presented []byte) (bool, error) {
	if t.clock.Since(e.fetched) <= tokenStaleGrace && t.matches(e, presented) {
		return true, nil
	}
	return false, e.failure
}

// failedAfter records that a read of the record failed with err after the
// read e holds, unless a newer read has come meanwhile, and returns e with it.
func (t *tokens) failedAfter(key types.NamespacedName, e tokenEntry, err error) tokenEntry {
	e.failure, e.failed = err, t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.secrets[key]; ok && cur.fetched.Equal(e.fetched) {
		t.secrets[key] = e
	}
	return e
}

// matches compares in constant time with the current token and, during its
// grace period, the previous one.
func (t *tokens) matches(e tokenEntry, presented []byte) bool {
	current := e.digest != nil && subtle.ConstantTimeCompare(e.digest, presented) == 1
	previous := e.previous != nil && subtle.ConstantTimeCompare(e.previous, presented) == 1 && t.clock.Now().Before(e.previousUntil)
	return current || previous
}

// last is the last read of the record, however old.
func (t *tokens) last(key types.NamespacedName) (tokenEntry, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.secrets[key]
	return e, ok
}

func (t *tokens) fetch(ctx context.Context, key types.NamespacedName) (tokenEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, t.fetchTimeout)
	defer cancel()
	secret := &corev1.Secret{}
	entry := tokenEntry{fetched: t.clock.Now()}
	err := t.reader.Get(ctx, key, secret)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return tokenEntry{}, err
	default:
		// The controller leaves out a token shorter than
		// scimtoken.MinLength: it opens nothing.
		d := scimtoken.ReadDigestRecord(secret)
		entry.digest, entry.previous, entry.previousUntil = d.Current, d.Previous, d.PreviousUntil
	}
	t.mu.Lock()
	t.secrets[key] = entry
	t.mu.Unlock()
	return entry, nil
}
