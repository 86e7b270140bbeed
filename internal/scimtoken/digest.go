package scimtoken

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// A digest record is the Secret, in the operator's namespace, through which
// the SCIM server learns a workspace's tokens without reading the token
// Secret itself: the Workspace controller publishes it from the token Secret,
// and it holds only the SHA-256 of the current token and of the previous one
// with its expiry (docs/design/0004-token-digests.md).
const (
	// DefaultNamespace is the operator's namespace when none is given:
	// the namespace config/default installs into.
	DefaultNamespace = "rollcall-system"
	// DigestKey and PreviousDigestKey hold the hex SHA-256 of the current
	// and of the previous token.
	DigestKey         = "tokenSHA256"
	PreviousDigestKey = "previousTokenSHA256"
	// AnnotationWorkspace names the workspace ("<namespace>/<name>") a
	// digest record is for; the record's name is a hash of it.
	AnnotationWorkspace = "identity.rollcall.dev/workspace"
	// AnnotationTokenPublished is when the record's current digest was
	// first published (RFC 3339): the age of the token the identity
	// provider holds.
	AnnotationTokenPublished = "identity.rollcall.dev/token-published"
	// LabelDigestRecord marks digest records, so they can be listed apart
	// from the other Secrets of the namespace.
	LabelDigestRecord = "identity.rollcall.dev/token-digest"
	// LabelWorkspaceNamespace is the namespace of the workspace a record is
	// for; identityv1alpha1.LabelWorkspace is its name, when it fits a label.
	LabelWorkspaceNamespace = "identity.rollcall.dev/workspace-namespace"
)

// DigestRecordName is the name of the digest record of workspace name in
// namespace: a hash, as the pair may not fit one Secret name, and a
// Namespace and a name of one workspace cannot be read back into another's.
func DigestRecordName(namespace, name string) string {
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	return "scim-token-" + hex.EncodeToString(sum[:16])
}

// Digests are what a digest record holds. Current is nil when the token
// Secret holds no usable token; Previous is nil when there is no previous
// token, else valid until PreviousUntil.
type Digests struct {
	Current       []byte
	Previous      []byte
	PreviousUntil time.Time
}

// DigestsOf reads the tokens of a token Secret into their digests. A token
// shorter than MinLength gives none: it opens nothing.
func DigestsOf(secret *corev1.Secret) Digests {
	var d Digests
	if token := strings.TrimSpace(string(secret.Data[identityv1alpha1.TokenSecretKey])); len(token) >= MinLength {
		d.Current = Digest(token)
	}
	if token, until, ok := Previous(secret); ok {
		if token := strings.TrimSpace(string(token)); len(token) >= MinLength {
			d.Previous, d.PreviousUntil = Digest(token), until
		}
	}
	return d
}

// Digest is the SHA-256 of a token as presented (without surrounding space).
func Digest(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// DigestRecord is the digest record of the workspace name in namespace,
// holding d, in the operator's namespace operatorNamespace.
func DigestRecord(operatorNamespace, namespace, name string, d Digests) *corev1.Secret {
	labels := map[string]string{
		LabelDigestRecord:               "true",
		LabelWorkspaceNamespace:         namespace,
		identityv1alpha1.LabelManagedBy: identityv1alpha1.ManagedBy,
	}
	// A Workspace name may be longer than a label value can be; the
	// annotation always names it.
	if len(name) <= 63 {
		labels[identityv1alpha1.LabelWorkspace] = name
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:   operatorNamespace,
			Name:        DigestRecordName(namespace, name),
			Labels:      labels,
			Annotations: map[string]string{AnnotationWorkspace: namespace + "/" + name},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{},
	}
	if d.Current != nil {
		secret.Data[DigestKey] = []byte(hex.EncodeToString(d.Current))
	}
	if d.Previous != nil {
		secret.Data[PreviousDigestKey] = []byte(hex.EncodeToString(d.Previous))
		secret.Annotations[identityv1alpha1.AnnotationPreviousTokenExpires] = d.PreviousUntil.UTC().Format(time.RFC3339)
	}
	return secret
}

// ReadDigestRecord reads the digests of a digest record. A digest that is
// not 32 bytes of hex, or a previous one without a readable expiry, is
// left out: it matches nothing.
func ReadDigestRecord(secret *corev1.Secret) Digests {
	var d Digests
	d.Current = decodeDigest(secret.Data[DigestKey])
	if prev := decodeDigest(secret.Data[PreviousDigestKey]); prev != nil {
		if until, err := time.Parse(time.RFC3339, secret.Annotations[identityv1alpha1.AnnotationPreviousTokenExpires]); err == nil {
			d.Previous, d.PreviousUntil = prev, until
		}
	}
	return d
}

func decodeDigest(b []byte) []byte {
	d, err := hex.DecodeString(string(b))
	if err != nil || len(d) != sha256.Size {
		return nil
	}
	return d
}

// WorkspaceOfDigestRecord is the namespace and name of the workspace a
// digest record is for; ok is false when secret is no digest record.
func WorkspaceOfDigestRecord(secret metav1.Object) (namespace, name string, ok bool) {
	if secret.GetLabels()[LabelDigestRecord] != "true" {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(secret.GetAnnotations()[AnnotationWorkspace], "/")
	return namespace, name, ok && namespace != "" && name != ""
}

// SetPublished records on a digest record that its current digest has been
// published since at (to the second, as RFC 3339 and metav1.Time keep it),
// and returns that time.
func SetPublished(record *corev1.Secret, at time.Time) metav1.Time {
	since := metav1.NewTime(at.UTC().Truncate(time.Second))
	if record.Annotations == nil {
		record.Annotations = map[string]string{}
	}
	record.Annotations[AnnotationTokenPublished] = since.Format(time.RFC3339)
	return since
}

// Published is when a digest record's current digest was first published,
// if the record says.
func Published(record *corev1.Secret) (time.Time, bool) {
	at, err := time.Parse(time.RFC3339, record.Annotations[AnnotationTokenPublished])
	return at, err == nil
}
