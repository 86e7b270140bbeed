package httpbackend

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Header names of the signature.
const (
	// HeaderTimestamp carries the signing time in Unix seconds.
	HeaderTimestamp = "X-Rollcall-Timestamp"
	// HeaderNonce carries a random value that is never sent twice.
	HeaderNonce = "X-Rollcall-Nonce"
	// HeaderSignature carries "v1=" and the hex HMAC-SHA256 of the signed string.
	HeaderSignature = "X-Rollcall-Signature"
	// SignatureVersion prefixes the signature's value.
	SignatureVersion = "v1="
)

// SignedString is what the signature covers:
// "<timestamp>.<nonce>.<METHOD>.<escaped path>.<body>".
func SignedString(timestamp, nonce, method, escapedPath string, body []byte) []byte {
	out := make([]byte, 0, len(timestamp)+len(nonce)+len(method)+len(escapedPath)+len(body)+4)
	out = append(out, timestamp...)
	out = append(out, '.')
	out = append(out, nonce...)
	out = append(out, '.')
	out = append(out, method...)
	out = append(out, '.')
	out = append(out, escapedPath...)
	out = append(out, '.')
	return append(out, body...)
}

// Sign returns the X-Rollcall-Signature value for a request.
func Sign(signingKey []byte, timestamp, nonce, method, escapedPath string, body []byte) string {
	mac := hmac.New(sha256.New, signingKey)
	mac.Write(SignedString(timestamp, nonce, method, escapedPath, body))
	return SignatureVersion + hex.EncodeToString(mac.Sum(nil))
}

// newNonce returns 128 random bits in hex.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

func timestampOf(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
