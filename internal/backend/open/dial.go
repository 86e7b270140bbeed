package open

import (
	"context"
	"errors"
	"fmt"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
)

// Keys of the HTTP backend's credentials Secret.
const (
	// TokenKey holds the bearer token the operator sends to the member API.
	TokenKey = "token"
	// SigningKeyKey holds the HMAC-SHA256 key that signs each request.
	SigningKeyKey = "signingKey"
)

// Default rate limit when the spec names none.
const (
	DefaultRequestsPerSecond = 50
	DefaultBurst             = 100
)

// DialFunc builds a backend (without rate limit) from a spec and the data of
// the Secret it names.
type DialFunc func(ctx context.Context, spec identityv1alpha1.BackendSpec, secretData map[string][]byte) (backend.Backend, error)

// Dial builds the driver the spec selects.
func Dial(ctx context.Context, spec identityv1alpha1.BackendSpec, secretData map[string][]byte) (backend.Backend, error) {
	switch spec.Type {
	case identityv1alpha1.BackendSQL:
		if spec.SQL == nil {
			return nil, backend.InvalidConfig(errors.New("spec.backend.sql is missing"))
		}
		dsn, ok := secretData[spec.SQL.DSNSecretRef.Key]
		if !ok || len(dsn) == 0 {
			return nil, backend.InvalidConfig(fmt.Errorf("the Secret %s has no key %q with the DSN", spec.SQL.DSNSecretRef.Name, spec.SQL.DSNSecretRef.Key))
		}
		b, err := sqlbackend.Open(ctx, sqlbackend.Options{
			Driver:         string(spec.SQL.Driver),
			DSN:            string(dsn),
			MaxConnections: int(spec.SQL.MaxConnections),
		})
		if err != nil {
			return nil, err
		}
		return b, nil
	case identityv1alpha1.BackendHTTP:
		if spec.HTTP == nil {
			return nil, backend.InvalidConfig(errors.New("spec.backend.http is missing"))
		}
		name := spec.HTTP.CredentialsSecretRef.Name
		for _, k := range []string{TokenKey, SigningKeyKey} {
			if len(secretData[k]) == 0 {
				return nil, backend.InvalidConfig(fmt.Errorf("the Secret %s has no key %q", name, k))
			}
		}
		opts := httpbackend.Options{
			BaseURL:    spec.HTTP.URL,
			Token:      string(secretData[TokenKey]),
			SigningKey: secretData[SigningKeyKey],
		}
		if spec.HTTP.Timeout != nil {
			opts.Timeout = spec.HTTP.Timeout.Duration
		}
		b, err := httpbackend.New(opts)
		if err != nil {
			return nil, err
		}
		return b, nil
	default:
		return nil, backend.InvalidConfig(fmt.Errorf("unknown backend type %q", spec.Type))
	}
}

// SecretName is the Secret a backend spec reads, or "".
func SecretName(spec identityv1alpha1.BackendSpec) string {
	switch {
	case spec.Type == identityv1alpha1.BackendSQL && spec.SQL != nil:
		return spec.SQL.DSNSecretRef.Name
	case spec.Type == identityv1alpha1.BackendHTTP && spec.HTTP != nil:
		return spec.HTTP.CredentialsSecretRef.Name
	}
	return ""
}

// rateOf is the spec's rate limit or the default.
func rateOf(spec identityv1alpha1.BackendSpec) (float64, int) {
	if spec.RateLimit == nil {
		return DefaultRequestsPerSecond, DefaultBurst
	}
	return float64(spec.RateLimit.RequestsPerSecond), int(spec.RateLimit.Burst)
}
