package httpbackend_test

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// A receiver whose token or signing key was left empty (an unset
// environment variable) refuses every request instead of accepting
// requests anyone can sign.
func TestVerifierWithoutCredentialsRefusesEverything(t *testing.T) {
	for name, v := range map[string]*httpbackend.Verifier{
		"no token":       {SigningKey: []byte(testSigningKey)},
		"no signing key": {Token: []byte(testToken)},
		"neither":        {},
	} {
		t.Run(name, func(t *testing.T) {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			nonce := "0123456789abcdef0123456789abcdef"
			r := httptest.NewRequest("GET", "/members/ns:acme:1", nil)
			r.Header.Set("Authorization", "Bearer "+string(v.Token))
			r.Header.Set(httpbackend.HeaderTimestamp, ts)
			r.Header.Set(httpbackend.HeaderNonce, nonce)
			r.Header.Set(httpbackend.HeaderSignature, httpbackend.Sign(v.SigningKey, ts, nonce, "GET", "/members/ns:acme:1", nil))
			if _, err := v.Verify(r); err == nil {
				t.Fatal("a Verifier without credentials accepted a request")
			}
		})
	}
}
