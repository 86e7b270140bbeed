package fake

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// Group returns the stored group with key.
func (b *Backend) Group(key string) (backend.Group, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	g, ok := b.groups[key]
	return g, ok
}

// Groups returns every stored group, ordered by key.
func (b *Backend) Groups() []backend.Group {
	b.mu.Lock()
	defer b.mu.Unlock()
	keys := slices.Sorted(maps.Keys(b.groups))
	out := make([]backend.Group, 0, len(keys))
	for _, k := range keys {
		out = append(out, b.groups[k])
	}
	return out
}

// Memberships returns the member keys of group, sorted, as stored.
func (b *Backend) Memberships(groupKey string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.memberships[groupKey]))
}

// PutMembership adds a membership directly, as the application itself
// would: drift for the operator to repair. It counts as no call.
func (b *Backend) PutMembership(groupKey, memberKey string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.memberships[groupKey] == nil {
		b.memberships[groupKey] = map[string]bool{}
	}
	b.memberships[groupKey][memberKey] = true
}

// RemoveMembership ends a membership directly, as the application would.
func (b *Backend) RemoveMembership(groupKey, memberKey string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.memberships[groupKey], memberKey)
}

// call runs f under the fake's lock after the begin and enter checks.
func (b *Backend) call(ctx context.Context, op string, f func() error) error {
	done, err := b.begin(ctx, op)
	defer done()
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.enter(op); err != nil {
		return err
	}
	return f()
}

// ObserveGroup reads the group with key.
func (b *Backend) ObserveGroup(ctx context.Context, key string) (g backend.Group, found bool, err error) {
	err = b.call(ctx, OpObserveGroup, func() error {
		g, found = b.groups[key]
		return nil
	})
	return g, found, err
}

// UpsertGroup creates or replaces the group, keeping its memberships.
func (b *Backend) UpsertGroup(ctx context.Context, g backend.Group) error {
	return b.call(ctx, OpUpsertGroup, func() error {
		b.groups[g.Key] = g
		return nil
	})
}

// DeleteGroup removes the group and its memberships.
func (b *Backend) DeleteGroup(ctx context.Context, key string) error {
	return b.call(ctx, OpDeleteGroup, func() error {
		delete(b.groups, key)
		delete(b.memberships, key)
		return nil
	})
}

// GroupMembers returns the group's member keys, sorted.
func (b *Backend) GroupMembers(ctx context.Context, groupKey string) (keys []string, err error) {
	err = b.call(ctx, OpGroupMembers, func() error {
		keys = slices.Sorted(maps.Keys(b.memberships[groupKey]))
		return nil
	})
	return keys, err
}

// AddGroupMembers adds the memberships of the members the fake holds.
func (b *Backend) AddGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	return b.call(ctx, OpAddGroupMembers, func() error {
		if len(memberKeys) > backend.MaxGroupMembersPerCall {
			return backend.Rejected(fmt.Errorf("%d member keys in one call, over %d", len(memberKeys), backend.MaxGroupMembersPerCall))
		}
		if _, ok := b.groups[groupKey]; !ok {
			return backend.Rejected(fmt.Errorf("group %q does not exist", groupKey))
		}
		if b.memberships[groupKey] == nil {
			b.memberships[groupKey] = map[string]bool{}
		}
		for _, k := range memberKeys {
			if _, ok := b.members[k]; ok {
				b.memberships[groupKey][k] = true
			}
		}
		return nil
	})
}

// RemoveGroupMembers ends the memberships.
func (b *Backend) RemoveGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	return b.call(ctx, OpRemoveGroupMembers, func() error {
		if len(memberKeys) > backend.MaxGroupMembersPerCall {
			return backend.Rejected(fmt.Errorf("%d member keys in one call, over %d", len(memberKeys), backend.MaxGroupMembersPerCall))
		}
		for _, k := range memberKeys {
			delete(b.memberships[groupKey], k)
		}
		return nil
	})
}
