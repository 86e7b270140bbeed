package fake

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Operation names, for Calls.
const (
	OpObserve    = "Observe"
	OpUpsert     = "Upsert"
	OpDeactivate = "Deactivate"
	OpDelete     = "Delete"

	OpObserveGroup       = "ObserveGroup"
	OpUpsertGroup        = "UpsertGroup"
	OpDeleteGroup        = "DeleteGroup"
	OpGroupMembers       = "GroupMembers"
	OpAddGroupMembers    = "AddGroupMembers"
	OpRemoveGroupMembers = "RemoveGroupMembers"
)

// Backend is an in-memory member store. The zero value is not usable; call New.
type Backend struct {
	mu      sync.Mutex
	members map[string]backend.Member
	groups  map[string]backend.Group
	// memberships maps a group key to the set of its member keys.
	memberships        map[string]map[string]bool
	calls              map[string]int
	created            int
	down               bool
	invalidCredentials bool
	closed             bool
	// hang, when not nil, holds every call until it is closed (SetHang(false)).
	hang                chan struct{}
	inFlight, maxFlight int
}

var _ backend.Backend = (*Backend)(nil)

// New returns an empty, reachable store.
func New() *Backend {
	return &Backend{
		members:     map[string]backend.Member{},
		groups:      map[string]backend.Group{},
		memberships: map[string]map[string]bool{},
		calls:       map[string]int{},
	}
}

// SetDown makes every call fail as unreachable (true) or work again (false).
func (b *Backend) SetDown(down bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down = down
}

// SetHang makes every call block (true) until its context ends, as an
// application that accepts connections and never answers; a call that
// gives up fails as Unavailable. SetHang(false) lets the blocked calls and
// every later one through.
func (b *Backend) SetHang(hang bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case hang && b.hang == nil:
		b.hang = make(chan struct{})
	case !hang && b.hang != nil:
		close(b.hang)
		b.hang = nil
	}
}

// MaxInFlight returns the most calls that were in progress at once, blocked
// ones included.
func (b *Backend) MaxInFlight() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.maxFlight
}

// SetInvalidCredentials makes every call fail as a refusal of the credentials.
func (b *Backend) SetInvalidCredentials(invalid bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.invalidCredentials = invalid
}

// Calls returns how many times op was called (failed calls included).
func (b *Backend) Calls(op string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[op]
}

// Created returns how many members were created (not updated) by Upsert.
func (b *Backend) Created() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.created
}

// Member returns the stored member with key.
func (b *Backend) Member(key string) (backend.Member, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.members[key]
	return m, ok
}

// Members returns every stored member, ordered by key.
func (b *Backend) Members() []backend.Member {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := slices.Sorted(maps.Keys(b.members))
	out := make([]backend.Member, 0, len(keys))
	for _, k := range keys {
		out = append(out, b.members[k])
	}
	return out
}

// Put stores m directly, as the application itself would: drift for the
// operator to repair. It counts as no call.
func (b *Backend) Put(m backend.Member) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.members[m.Key] = m
}

// Remove deletes a member directly, as the application itself would.
func (b *Backend) Remove(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.members, key)
	for _, set := range b.memberships {
		delete(set, key)
	}
}

// Closed reports whether Close was called.
func (b *Backend) Closed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// begin counts a call in progress and, in hang mode, blocks it until the
// hang is lifted or ctx ends. The caller must call the returned done.
func (b *Backend) begin(ctx context.Context, op string) (done func(), err error) {
	b.mu.Lock()
	b.inFlight++
	b.maxFlight = max(b.maxFlight, b.inFlight)
	hang := b.hang
	b.mu.Unlock()
	done = func() {
		b.mu.Lock()
		b.inFlight--
		b.mu.Unlock()
	}
	if hang == nil {
		return done, nil
	}
	select {
	case <-hang:
		return done, nil
	case <-ctx.Done():
		b.mu.Lock()
		b.calls[op]++
		b.mu.Unlock()
		return done, backend.Unavailable(fmt.Errorf("fake backend did not answer: %w", ctx.Err()))
	}
}

func (b *Backend) enter(op string) error {
	b.calls[op]++
	switch {
	case b.down:
		return backend.Unavailable(errors.New("fake backend is down"))
	case b.invalidCredentials:
		return backend.InvalidCredentials(errors.New("fake backend refuses the credentials"))
	}
	return nil
}

// Observe reads the member with key.
func (b *Backend) Observe(ctx context.Context, key string) (backend.Member, bool, error) {
	done, err := b.begin(ctx, OpObserve)
	defer done()
	if err != nil {
		return backend.Member{}, false, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.enter(OpObserve); err != nil {
		return backend.Member{}, false, err
	}
	m, ok := b.members[key]
	return m, ok, nil
}

// Upsert creates or replaces the member.
func (b *Backend) Upsert(ctx context.Context, m backend.Member) error {
	done, err := b.begin(ctx, OpUpsert)
	defer done()
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.enter(OpUpsert); err != nil {
		return err
	}
	if _, ok := b.members[m.Key]; !ok {
		b.created++
	}
	m.Profile = append([]byte(nil), m.Profile...)
	m.Extensions = append([]byte(nil), m.Extensions...)
	b.members[m.Key] = m
	return nil
}

// Deactivate marks the member inactive.
func (b *Backend) Deactivate(ctx context.Context, key string) error {
	done, err := b.begin(ctx, OpDeactivate)
	defer done()
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.enter(OpDeactivate); err != nil {
		return err
	}
	if m, ok := b.members[key]; ok {
		m.Active = false
		b.members[key] = m
	}
	return nil
}

// Delete removes the member.
func (b *Backend) Delete(ctx context.Context, key string) error {
	done, err := b.begin(ctx, OpDelete)
	defer done()
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.enter(OpDelete); err != nil {
		return err
	}
	delete(b.members, key)
	for _, set := range b.memberships {
		delete(set, key)
	}
	return nil
}

// Close marks the store closed; it keeps working, so a test can look at it.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}
