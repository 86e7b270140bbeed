package httpbackend_test

import (
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// The worked example of docs/member-backends.md, computed independently
// (Python's hmac module), so applications in any language can check theirs.
func TestSignatureKnownAnswer(t *testing.T) {
	got := httpbackend.Sign([]byte("example-signing-key"), "1700000000", "0123456789abcdef0123456789abcdef",
		"PUT", "/api/members/ns:acme:42", []byte(`{"key":"ns:acme:42","userName":"ada@example.com","active":true}`))
	const want = "v1=63fd04e0970aaa0b4aa6fb9aacc9c6633a2d4a91f8651999dbb314d5660dc578"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}
