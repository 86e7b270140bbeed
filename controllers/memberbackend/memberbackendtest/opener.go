// Package memberbackendtest gives controller tests an Opener of in-memory
// member backends (internal/backend/fake), one per workspace, so a test can
// look at what a controller wrote to a workspace's backend.
package memberbackendtest

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/memberbackend"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
)

// Opener gives each workspace its own fake backend, made on first use.
// The zero value is ready; it is safe for concurrent use.
type Opener struct {
	mu       sync.Mutex
	backends map[types.NamespacedName]*fake.Backend
}

var _ memberbackend.Opener = (*Opener)(nil)

// Open returns the workspace's fake backend.
func (o *Opener) Open(_ context.Context, ws *identityv1alpha1.Workspace) (backend.Backend, error) {
	return o.Backend(ws.Namespace, ws.Name), nil
}

// Backend is the fake backend of the workspace namespace/name.
func (o *Opener) Backend(namespace, name string) *fake.Backend {
	o.mu.Lock()
	defer o.mu.Unlock()
	key := types.NamespacedName{Namespace: namespace, Name: name}
	if o.backends == nil {
		o.backends = map[types.NamespacedName]*fake.Backend{}
	}
	b, ok := o.backends[key]
	if !ok {
		b = fake.New()
		o.backends[key] = b
	}
	return b
}
