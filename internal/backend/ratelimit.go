package backend

import (
	"context"
	"fmt"

	"golang.org/x/time/rate"
)

// RateLimited wraps a backend in a token bucket: every call waits for a
// token, so a retry storm in the operator never reaches the application
// faster than the limit.
type RateLimited struct {
	next    Backend
	limiter *rate.Limiter
}

// WithRateLimit wraps b so that it is called at most requestsPerSecond times
// a second on average, with bursts of up to burst calls.
func WithRateLimit(b Backend, requestsPerSecond float64, burst int) *RateLimited {
	return &RateLimited{next: b, limiter: rate.NewLimiter(rate.Limit(requestsPerSecond), burst)}
}

// Limit returns the sustained rate and the burst.
func (r *RateLimited) Limit() (requestsPerSecond float64, burst int) {
	return float64(r.limiter.Limit()), r.limiter.Burst()
}

// Unwrap returns the wrapped backend.
func (r *RateLimited) Unwrap() Backend { return r.next }

func (r *RateLimited) wait(ctx context.Context, op string) error {
	if err := r.limiter.Wait(ctx); err != nil {
		return Unavailable(fmt.Errorf("wait for the backend rate limit to %s: %w", op, err))
	}
	return nil
}

// Observe waits for a token and reads the member.
func (r *RateLimited) Observe(ctx context.Context, key string) (Member, bool, error) {
	if err := r.wait(ctx, "observe"); err != nil {
		return Member{}, false, err
	}
	return r.next.Observe(ctx, key)
}

// Upsert waits for a token and writes the member.
func (r *RateLimited) Upsert(ctx context.Context, m Member) error {
	if err := r.wait(ctx, "upsert"); err != nil {
		return err
	}
	return r.next.Upsert(ctx, m)
}

// Deactivate waits for a token and deactivates the member.
func (r *RateLimited) Deactivate(ctx context.Context, key string) error {
	if err := r.wait(ctx, "deactivate"); err != nil {
		return err
	}
	return r.next.Deactivate(ctx, key)
}

// Delete waits for a token and deletes the member.
func (r *RateLimited) Delete(ctx context.Context, key string) error {
	if err := r.wait(ctx, "delete"); err != nil {
		return err
	}
	return r.next.Delete(ctx, key)
}

// ObserveGroup waits for a token and reads the group.
func (r *RateLimited) ObserveGroup(ctx context.Context, key string) (Group, bool, error) {
	if err := r.wait(ctx, "observe a group"); err != nil {
		return Group{}, false, err
	}
	return r.next.ObserveGroup(ctx, key)
}

// UpsertGroup waits for a token and writes the group.
func (r *RateLimited) UpsertGroup(ctx context.Context, g Group) error {
	if err := r.wait(ctx, "upsert a group"); err != nil {
		return err
	}
	return r.next.UpsertGroup(ctx, g)
}

// DeleteGroup waits for a token and deletes the group.
func (r *RateLimited) DeleteGroup(ctx context.Context, key string) error {
	if err := r.wait(ctx, "delete a group"); err != nil {
		return err
	}
	return r.next.DeleteGroup(ctx, key)
}

// GroupMembers waits for a token and reads the group's members.
func (r *RateLimited) GroupMembers(ctx context.Context, groupKey string) ([]string, error) {
	if err := r.wait(ctx, "read group members"); err != nil {
		return nil, err
	}
	return r.next.GroupMembers(ctx, groupKey)
}

// AddGroupMembers waits for a token and adds the memberships.
func (r *RateLimited) AddGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	if err := r.wait(ctx, "add group members"); err != nil {
		return err
	}
	return r.next.AddGroupMembers(ctx, groupKey, memberKeys)
}

// RemoveGroupMembers waits for a token and removes the memberships.
func (r *RateLimited) RemoveGroupMembers(ctx context.Context, groupKey string, memberKeys []string) error {
	if err := r.wait(ctx, "remove group members"); err != nil {
		return err
	}
	return r.next.RemoveGroupMembers(ctx, groupKey, memberKeys)
}

// Close closes the wrapped backend.
func (r *RateLimited) Close() error { return r.next.Close() }
