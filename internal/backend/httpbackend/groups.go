package httpbackend

import (
	"context"
	"errors"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

var errGroupsNotImplemented = backend.InvalidConfig(errors.New("groups are not implemented by this driver yet"))

// ObserveGroup reads the group with key.
func (b *Backend) ObserveGroup(context.Context, string) (backend.Group, bool, error) {
	return backend.Group{}, false, errGroupsNotImplemented
}

// UpsertGroup creates or replaces the group.
func (b *Backend) UpsertGroup(context.Context, backend.Group) error { return errGroupsNotImplemented }

// DeleteGroup removes the group and its memberships.
func (b *Backend) DeleteGroup(context.Context, string) error { return errGroupsNotImplemented }

// GroupMembers returns the group's member keys.
func (b *Backend) GroupMembers(context.Context, string) ([]string, error) {
	return nil, errGroupsNotImplemented
}

// AddGroupMembers adds memberships.
func (b *Backend) AddGroupMembers(context.Context, string, []string) error {
	return errGroupsNotImplemented
}

// RemoveGroupMembers removes memberships.
func (b *Backend) RemoveGroupMembers(context.Context, string, []string) error {
	return errGroupsNotImplemented
}
