package memberbackend

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

var (
	callDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rollcall_backend_call_duration_seconds",
		Help:    "Time a member backend took to answer a call, by workspace (namespace/name), operation and outcome (ok or the error kind).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"workspace", "operation", "outcome"})

	callErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rollcall_backend_call_errors_total",
		Help: "Member backend calls that failed, by workspace, operation and error kind (Unavailable, InvalidCredentials, InvalidConfig, Rejected).",
	}, []string{"workspace", "operation", "kind"})
)

func init() {
	metrics.Registry.MustRegister(callDuration, callErrors)
}

// instrumented times every call of a workspace's driver and counts its
// failures by kind. It sits below the rate limit, so the figures are the
// backend's own, not the wait for a token.
type instrumented struct {
	next      backend.Backend
	workspace string
}

func instrument(b backend.Backend, workspace string) *instrumented {
	return &instrumented{next: b, workspace: workspace}
}

// Unwrap returns the driver.
func (m *instrumented) Unwrap() backend.Backend { return m.next }

func (m *instrumented) observe(op string, start time.Time, err error) {
	outcome := "ok"
	if err != nil {
		outcome = string(backend.KindOf(err))
		callErrors.WithLabelValues(m.workspace, op, outcome).Inc()
	}
	callDuration.WithLabelValues(m.workspace, op, outcome).Observe(time.Since(start).Seconds())
}

func (m *instrumented) Observe(ctx context.Context, key string) (mem backend.Member, found bool, err error) {
	defer func(start time.Time) { m.observe("Observe", start, err) }(time.Now())
	return m.next.Observe(ctx, key)
}

func (m *instrumented) Upsert(ctx context.Context, mem backend.Member) (err error) {
	defer func(start time.Time) { m.observe("Upsert", start, err) }(time.Now())
	return m.next.Upsert(ctx, mem)
}

func (m *instrumented) Deactivate(ctx context.Context, key string) (err error) {
	defer func(start time.Time) { m.observe("Deactivate", start, err) }(time.Now())
	return m.next.Deactivate(ctx, key)
}

func (m *instrumented) Delete(ctx context.Context, key string) (err error) {
	defer func(start time.Time) { m.observe("Delete", start, err) }(time.Now())
	return m.next.Delete(ctx, key)
}

func (m *instrumented) ObserveGroup(ctx context.Context, key string) (g backend.Group, found bool, err error) {
	defer func(start time.Time) { m.observe("ObserveGroup", start, err) }(time.Now())
	return m.next.ObserveGroup(ctx, key)
}

func (m *instrumented) UpsertGroup(ctx context.Context, g backend.Group) (err error) {
	defer func(start time.Time) { m.observe("UpsertGroup", start, err) }(time.Now())
	return m.next.UpsertGroup(ctx, g)
}

func (m *instrumented) DeleteGroup(ctx context.Context, key string) (err error) {
	defer func(start time.Time) { m.observe("DeleteGroup", start, err) }(time.Now())
	return m.next.DeleteGroup(ctx, key)
}

func (m *instrumented) GroupMembers(ctx context.Context, groupKey string) (keys []string, err error) {
	defer func(start time.Time) { m.observe("GroupMembers", start, err) }(time.Now())
	return m.next.GroupMembers(ctx, groupKey)
}

func (m *instrumented) AddGroupMembers(ctx context.Context, groupKey string, memberKeys []string) (err error) {
	defer func(start time.Time) { m.observe("AddGroupMembers", start, err) }(time.Now())
	return m.next.AddGroupMembers(ctx, groupKey, memberKeys)
}

func (m *instrumented) RemoveGroupMembers(ctx context.Context, groupKey string, memberKeys []string) (err error) {
	defer func(start time.Time) { m.observe("RemoveGroupMembers", start, err) }(time.Now())
	return m.next.RemoveGroupMembers(ctx, groupKey, memberKeys)
}

func (m *instrumented) Close() error { return m.next.Close() }
