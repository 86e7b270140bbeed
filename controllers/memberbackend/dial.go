package memberbackend

import (
	"context"
	"errors"
	"fmt"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
	"github.com/rollcall-dev/rollcall/internal/backend/sqlbackend"
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
		tokenKey, signingKey := identityv1alpha1.HTTPBackendTokenSecretKey, identityv1alpha1.HTTPBackendSigningKeySecretKey
		for _, k := range []string{tokenKey, signingKey} {
			if len(secretData[k]) == 0 {
				return nil, backend.InvalidConfig(fmt.Errorf("the Secret %s has no key %q", name, k))
			}
		}
		opts := httpbackend.Options{
			BaseURL:    spec.HTTP.URL,
			Token:      string(secretData[tokenKey]),
			SigningKey: secretData[signingKey],
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
