package httpbackend

import (
	"bytes"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxBodyBytes bounds a member request's body.
const MaxBodyBytes = 1 << 20

// Reasons a Verifier refuses a request.
var (
	ErrBadToken      = errors.New("missing or wrong bearer token")
	ErrBadTimestamp  = errors.New("missing, malformed or stale " + HeaderTimestamp)
	ErrBadSignature  = errors.New("missing or wrong " + HeaderSignature)
	ErrReplayed      = errors.New("replayed request: the nonce was seen before")
	ErrMissingNonce  = errors.New("missing " + HeaderNonce)
	ErrBodyTooLarge  = fmt.Errorf("body larger than %d bytes", MaxBodyBytes)
	ErrNotConfigured = errors.New("the receiver has no bearer token or no signing key configured")
	defaultTolerance = 5 * time.Minute
)

// Verifier checks that a request comes from Rollcall: the bearer token, a
// timestamp within Tolerance of now, the signature, and a nonce not seen
// within the tolerance window. It is safe for concurrent use.
type Verifier struct {
	// Token is the expected bearer token.
	Token []byte
	// SigningKey is the shared HMAC-SHA256 key.
	SigningKey []byte
	// Tolerance is how far the timestamp may be from now; zero means 5 minutes.
	Tolerance time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	nonces    map[string]time.Time
	lastPrune time.Time
}

// Verify checks r and returns its body, which it has read; r.Body is
// replaced so handlers can read it again. A Verifier without a Token or a
// SigningKey refuses every request.
func (v *Verifier) Verify(r *http.Request) ([]byte, error) {
	if len(v.Token) == 0 || len(v.SigningKey) == 0 {
		// Fail closed: an empty key signs nothing secret.
		return nil, ErrNotConfigured
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), v.Token) != 1 {
		return nil, ErrBadToken
	}
	now := v.now()
	ts := r.Header.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > v.tolerance() || d < -v.tolerance() {
		return nil, ErrBadTimestamp
	}
	nonce := r.Header.Get(HeaderNonce)
	if nonce == "" {
		return nil, ErrMissingNonce
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	want := Sign(v.SigningKey, ts, nonce, r.Method, r.URL.EscapedPath(), body)
	if !hmac.Equal([]byte(r.Header.Get(HeaderSignature)), []byte(want)) {
		return nil, ErrBadSignature
	}
	if !v.rememberNonce(nonce, now) {
		return nil, ErrReplayed
	}
	return body, nil
}

// Middleware refuses requests that fail Verify with 401 and a JSON error,
// and passes the others to next.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.Verify(r); err != nil {
			status := http.StatusUnauthorized
			if errors.Is(err, ErrBodyTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(ErrorBody{Error: err.Error()})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rememberNonce records nonce and reports whether it was new. Nonces older
// than twice the tolerance are forgotten: their timestamps are refused anyway.
func (v *Verifier) rememberNonce(nonce string, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.nonces == nil {
		v.nonces = map[string]time.Time{}
	}
	if _, seen := v.nonces[nonce]; seen {
		return false
	}
	if now.Sub(v.lastPrune) > v.tolerance() {
		for n, at := range v.nonces {
			if now.Sub(at) > 2*v.tolerance() {
				delete(v.nonces, n)
			}
		}
		v.lastPrune = now
	}
	v.nonces[nonce] = now
	return true
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) tolerance() time.Duration {
	if v.Tolerance > 0 {
		return v.Tolerance
	}
	return defaultTolerance
}

// ErrorBody is the JSON body of an error response.
type ErrorBody struct {
	// Error says what went wrong.
	Error string `json:"error"`
}
