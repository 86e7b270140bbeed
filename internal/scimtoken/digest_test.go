package scimtoken

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDigestRecordHoldsDigestsAndNoToken(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "acme-scim-token"},
		Data: map[string][]byte{"token": []byte("the-old-token-of-acme-0123456789")}}
	current, err := Rotate(s, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	record := DigestRecord("rollcall-system", "team-a", "acme", DigestsOf(s))
	if record.Namespace != "rollcall-system" || record.Name != DigestRecordName("team-a", "acme") {
		t.Fatalf("record %s/%s", record.Namespace, record.Name)
	}
	for k, v := range record.Data {
		if strings.Contains(string(v), current) || strings.Contains(string(v), "the-old-token") {
			t.Fatalf("the record's %s holds a token", k)
		}
	}
	got := ReadDigestRecord(record)
	if !bytes.Equal(got.Current, Digest(current)) || !bytes.Equal(got.Previous, Digest("the-old-token-of-acme-0123456789")) ||
		!got.PreviousUntil.Equal(now.Add(time.Hour)) {
		t.Fatalf("read back %+v", got)
	}
	if ns, name, ok := WorkspaceOfDigestRecord(record); !ok || ns != "team-a" || name != "acme" {
		t.Fatalf("workspace of the record: %q %q %v", ns, name, ok)
	}
}

func TestShortTokensAndBadDigestsMatchNothing(t *testing.T) {
	s := &corev1.Secret{Data: map[string][]byte{"token": []byte("changeme")}}
	if d := DigestsOf(s); d.Current != nil || d.Previous != nil {
		t.Fatalf("a token of 8 bytes gave digests %+v", d)
	}
	record := DigestRecord("rollcall-system", "ns", "acme", Digests{})
	record.Data[DigestKey] = []byte("not-hex")
	record.Data[PreviousDigestKey] = []byte(strings.Repeat("ab", 32)) // no expiry annotation
	if d := ReadDigestRecord(record); d.Current != nil || d.Previous != nil {
		t.Fatalf("read %+v from a malformed record", d)
	}
}

func TestDigestRecordNamesDoNotCollide(t *testing.T) {
	if DigestRecordName("a-b", "c") == DigestRecordName("a", "b-c") || DigestRecordName("ns", "acme") == DigestRecordName("ns", "acme2") {
		t.Fatal("two workspaces share a record name")
	}
	if got := DigestRecordName("ns", "acme"); got != "scim-token-"+hexPrefix("ns/acme") {
		t.Fatalf("record name %q: not the hash of the workspace", got)
	}
	if n := len(DigestRecordName("ns", strings.Repeat("x", 253))); n > 63 {
		t.Fatalf("a record name of %d characters", n)
	}
}

func hexPrefix(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}
