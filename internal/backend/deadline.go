package backend

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Deadlined bounds every call of a backend: a call that has not answered
// within the timeout is abandoned through its context and fails as
// KindUnavailable (transient), whatever the driver made of the cancelled
// context. It relies on the driver honouring its context, as the Backend
// contract asks; every driver here does (database/sql, net/http, the fake).
type Deadlined struct {
	next    Backend
	timeout time.Duration
}

// WithCallTimeout wraps b so that each call gets at most timeout; a
// timeout of zero or less leaves b as it is.
func WithCallTimeout(b Backend, timeout time.Duration) Backend {
	if timeout <= 0 {
		return b
	}
	return &Deadlined{next: b, timeout: timeout}
}

// Unwrap returns the wrapped backend.
func (d *Deadlined) Unwrap() Backend { return d.next }

// Timeout returns the bound of each call.
func (d *Deadlined) Timeout() time.Duration { return d.timeout }

func (d *Deadlined) call(ctx context.Context, op string, f func(context.Context) error) error {
	callCtx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	err := f(callCtx)
	if err != nil && ctx.Err() == nil && errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		return Unavailable(fmt.Errorf("%s: the backend did not answer within %s: %w", op, d.timeout, err))
	}
	return err
}

// Observe reads the member within the timeout.
func (d *Deadlined) Observe(ctx context.Context, key string) (m Member, found bool, err error) {
	err = d.call(ctx, "observe", func(ctx context.Context) error {
		var err error
		m, found, err = d.next.Observe(ctx, key)
		return err
	})
	if err != nil {
		return Member{}, false, err
	}
	return m, found, nil
}

// Upsert writes the member within the timeout.
func (d *Deadlined) Upsert(ctx context.Context, m Member) error {
	return d.call(ctx, "upsert", func(ctx context.Context) error { return d.next.Upsert(ctx, m) })
}

// Deactivate deactivates the member within the timeout.
func (d *Deadlined) Deactivate(ctx context.Context, key string) error {
	return d.call(ctx, "deactivate", func(ctx context.Context) error { return d.next.Deactivate(ctx, key) })
}

// Delete deletes the member within the timeout.
func (d *Deadlined) Delete(ctx context.Context, key string) error {
	return d.call(ctx, "delete", func(ctx context.Context) error { return d.next.Delete(ctx, key) })
}

// ObserveGroup reads the group within the timeout.
func (d *Deadlined) ObserveGroup(ctx context.Context, key string) (g Group, found bool, err error) {
	err = d.call(ctx, "observe group", func(ctx context.Context) error {
		var err error
		g, found, err = d.next.ObserveGroup(ctx, key)
		return err
	})
	if err != nil {
		return Group{}, false, err
	}
	return g, found, nil
}

// UpsertGroup writes the group within the timeout.
func (d *Deadlined) UpsertGroup(ctx context.Context, g Group) error {
	return d.call(ctx, "upsert group", func(ctx context.Context) error { return d.next.UpsertGroup(ctx, g) })
}

// DeleteGroup deletes the group within the timeout.
func (d *Deadlined) DeleteGroup(ctx context.Context, key string) error {
	return d.call(ctx, "delete group", func(ctx context.Context) error { return d.next.DeleteGroup(ctx, key) })
}

// GroupMembers reads the group's members within the timeout.
func (d *Deadlined) GroupMembers(ctx context.Context, groupKey string) (keys []string, err error) {
	err = d.call(ctx, "read group members", func(ctx context.Context) error {
		var err error
		keys, err = d.next.GroupMembers(ctx, groupKey)
		return err
	})
	return keys, err
}

// AddGroupMembers adds the memberships within the timeout.
func (d *Deadlined) AddGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	return d.call(ctx, "add group members", func(ctx context.Context) error {
		return d.next.AddGroupMembers(ctx, groupKey, memberKeys)
	})
}

// RemoveGroupMembers removes the memberships within the timeout.
func (d *Deadlined) RemoveGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	return d.call(ctx, "remove group members", func(ctx context.Context) error {
		return d.next.RemoveGroupMembers(ctx, groupKey, memberKeys)
	})
}

// Close closes the wrapped backend.
func (d *Deadlined) Close() error { return d.next.Close() }
