package scimtoken

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNewTokensAreLongAndDistinct(t *testing.T) {
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New()
	if len(a) != 43 || a == b {
		t.Fatalf("tokens %q and %q: want 43 characters (256 bits) each, distinct", a, b)
	}
}

func TestRotateKeepsThePreviousTokenForTheGracePeriod(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "t"}, Data: map[string][]byte{"token": []byte("old")}}
	token, err := Rotate(s, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data["token"]) != token || token == "old" {
		t.Fatalf("token = %q, returned %q", s.Data["token"], token)
	}
	prev, expires, ok := Previous(s)
	if !ok || string(prev) != "old" || !expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("previous = %q until %v (ok %v), want old until %v", prev, expires, ok, now.Add(time.Hour))
	}

	// A rotation without grace ends the old token at once.
	if _, err := Rotate(s, 0, now); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := Previous(s); ok {
		t.Fatal("a rotation with no grace period kept a previous token")
	}
	if _, err := Rotate(s, -time.Second, now); err == nil {
		t.Fatal("a negative grace period was accepted")
	}
}

func TestPreviousWithoutReadableExpiryIsNotValid(t *testing.T) {
	s := &corev1.Secret{Data: map[string][]byte{"previousToken": []byte("old")}}
	if _, _, ok := Previous(s); ok {
		t.Fatal("a previous token without an expiry annotation counts as valid")
	}
}
