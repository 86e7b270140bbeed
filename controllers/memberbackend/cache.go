package memberbackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
)

// ErrSecretNotFound means the Secret the backend spec names does not exist.
// Open returns it classified as backend.KindInvalidConfig: nothing changes
// until the Secret appears (a watch of Secrets, not a retry, notices that).
// ReasonOf tells it apart from other configuration errors.
var ErrSecretNotFound = errors.New("backend Secret not found")

// Opener gives the member backend of a workspace.
type Opener interface {
	// Open returns the workspace's backend, ready to use. The caller must
	// not close it: the opener owns it.
	Open(ctx context.Context, ws *identityv1alpha1.Workspace) (backend.Backend, error)
}

// Cache is the Opener of the operator: one rate-limited backend per
// workspace, rebuilt when the backend spec or the Secret's resourceVersion
// changes. Safe for concurrent use.
type Cache struct {
	// Metadata reads Secret metadata, usually the manager's cached client
	// (Secrets watched by metadata only).
	Metadata client.Reader
	// Secrets reads Secret data, usually the manager's API reader.
	Secrets client.Reader
	// Dial builds a driver; nil means Dial.
	Dial DialFunc

	mu    sync.Mutex
	slots map[types.NamespacedName]*slot
}

// slot holds one workspace's backend; its lock serialises rebuilding it.
type slot struct {
	mu          sync.Mutex
	fingerprint string
	backend     backend.Backend
}

var _ Opener = (*Cache)(nil)

// NewCache returns a Cache reading Secret metadata from metadata and Secret data from secrets.
func NewCache(metadata, secrets client.Reader) *Cache {
	return &Cache{Metadata: metadata, Secrets: secrets}
}

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Open returns the workspace's backend, building it when it is new or its
// configuration changed (closing the old one).
func (c *Cache) Open(ctx context.Context, ws *identityv1alpha1.Workspace) (backend.Backend, error) {
	spec := ws.Spec.Backend
	secretName := spec.SecretName()
	if secretName == "" {
		return nil, backend.InvalidConfig(fmt.Errorf("workspace %s/%s: spec.backend has no block for type %q", ws.Namespace, ws.Name, spec.Type))
	}
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := c.Metadata.Get(ctx, types.NamespacedName{Namespace: ws.Namespace, Name: secretName}, meta); err != nil {
		return nil, secretError(secretName, err)
	}
	fingerprint, err := fingerprintOf(spec, meta)
	if err != nil {
		return nil, err
	}
	s := c.slot(types.NamespacedName{Namespace: ws.Namespace, Name: ws.Name})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.backend != nil && s.fingerprint == fingerprint {
		return s.backend, nil
	}
	secret := &corev1.Secret{}
	if err := c.Secrets.Get(ctx, types.NamespacedName{Namespace: ws.Namespace, Name: secretName}, secret); err != nil {
		return nil, secretError(secretName, err)
	}
	dial := c.Dial
	if dial == nil {
		dial = Dial
	}
	b, err := dial(ctx, spec, secret.Data)
	if err != nil {
		return nil, fmt.Errorf("open backend of workspace %s/%s: %w", ws.Namespace, ws.Name, err)
	}
	limit := spec.RateLimit.OrDefault()
	if s.backend != nil {
		_ = s.backend.Close()
	}
	s.backend = backend.WithRateLimit(instrument(b, ws.Namespace+"/"+ws.Name), float64(limit.RequestsPerSecond), int(limit.Burst))
	s.fingerprint = fingerprint
	return s.backend, nil
}

// Forget closes and drops the workspace's backend, if any.
func (c *Cache) Forget(key types.NamespacedName) {
	c.mu.Lock()
	s := c.slots[key]
	delete(c.slots, key)
	c.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.backend != nil {
		_ = s.backend.Close()
		s.backend = nil
	}
}

// Close closes every backend.
func (c *Cache) Close() {
	c.mu.Lock()
	keys := make([]types.NamespacedName, 0, len(c.slots))
	for k := range c.slots {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	for _, k := range keys {
		c.Forget(k)
	}
}

func (c *Cache) slot(key types.NamespacedName) *slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.slots == nil {
		c.slots = map[types.NamespacedName]*slot{}
	}
	s, ok := c.slots[key]
	if !ok {
		s = &slot{}
		c.slots[key] = s
	}
	return s
}

func fingerprintOf(spec identityv1alpha1.BackendSpec, secret *metav1.PartialObjectMetadata) (string, error) {
	data, err := json.Marshal(spec)
	if err != nil {
		return "", fmt.Errorf("encode backend spec: %w", err)
	}
	return string(data) + "|" + string(secret.UID) + "|" + secret.ResourceVersion, nil
}

func secretError(name string, err error) error {
	if apierrors.IsNotFound(err) {
		return backend.InvalidConfig(fmt.Errorf("secret %s: %w", name, ErrSecretNotFound))
	}
	return backend.Unavailable(fmt.Errorf("read Secret %s: %w", name, err))
}

// Start waits for ctx to end, then closes every backend: add the Cache to
// the manager (mgr.Add) so the pools close on shutdown.
func (c *Cache) Start(ctx context.Context) error {
	<-ctx.Done()
	c.Close()
	return nil
}

// NeedLeaderElection is false: the Cache serves every replica.
func (c *Cache) NeedLeaderElection() bool { return false }
