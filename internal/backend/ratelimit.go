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

// Close closes the wrapped backend.
func (r *RateLimited) Close() error { return r.next.Close() }
