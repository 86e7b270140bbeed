package memberbackend

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Slots holds, per workspace, a semaphore of the reconciles inside its
// backend, so that one workspace whose application stalls cannot hold
// every worker. The controllers that talk to the same backends share one
// (the user controller's, see workspaceuser.Reconciler.BackendSlots). The
// zero value is ready; it is safe for concurrent use.
type Slots struct {
	mu  sync.Mutex
	sem map[types.NamespacedName]chan struct{}
}

// Acquire takes one of limit slots of key, waiting up to wait for one; ok
// is false when none came free in time (or ctx ended). release gives it
// back (once). A workspace's semaphore keeps the size it was made with, so
// the controllers sharing Slots pass the same limit.
func (s *Slots) Acquire(ctx context.Context, key types.NamespacedName, limit int, wait time.Duration) (release func(), ok bool) {
	s.mu.Lock()
	if s.sem == nil {
		s.sem = map[types.NamespacedName]chan struct{}{}
	}
	sem, found := s.sem[key]
	if !found {
		sem = make(chan struct{}, limit)
		s.sem[key] = sem
	}
	s.mu.Unlock()
	select {
	case sem <- struct{}{}:
	default:
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case sem <- struct{}{}:
		case <-timer.C:
			return nil, false
		case <-ctx.Done():
			return nil, false
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-sem }) }, true
}
