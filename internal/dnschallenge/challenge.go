package dnschallenge

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

const (
	// RecordPrefix is the label put before the domain to name the TXT record.
	RecordPrefix = "_rollcall-challenge."
	// ValuePrefix starts every challenge value, so a domain owner sees whose
	// record it is.
	ValuePrefix = "rollcall-domain-verification="
	// valueBytes is the challenge's entropy: 192 bits.
	valueBytes = 24
)

// RecordName is the name of the TXT record for domain.
func RecordName(domain string) string {
	return RecordPrefix + domain
}

// NewValue returns a fresh random challenge value.
func NewValue() (string, error) {
	b := make([]byte, valueBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random challenge: %w", err)
	}
	return ValuePrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Resolver looks up TXT records; *net.Resolver is one.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// NewResolver returns a resolver that sends every question to the DNS
// server at address (host:port, e.g. 10.0.0.10:53 or 127.0.0.1:5353).
// An empty address means the system's resolver.
func NewResolver(address string) Resolver {
	if address == "" {
		return net.DefaultResolver
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, address)
		},
	}
}

// Check reports whether a TXT record at recordName holds value. A name that
// does not exist, or holds no such record, is (false, nil); a resolver that
// cannot answer is an error, so a DNS outage never counts as a removed record.
func Check(ctx context.Context, resolver Resolver, recordName, value string) (bool, error) {
	// The trailing dot makes the name absolute: no search domains are tried.
	records, err := resolver.LookupTXT(ctx, strings.TrimSuffix(recordName, ".")+".")
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return false, nil
		}
		return false, fmt.Errorf("look up TXT %s: %w", recordName, err)
	}
	for _, r := range records {
		if strings.TrimSpace(r) == value {
			return true, nil
		}
	}
	return false, nil
}
