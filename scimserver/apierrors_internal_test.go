package scimserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/rollcall-dev/rollcall/scimserver/store"
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// TestAPIErrorsMapToSCIM: an unreachable or overloaded API server is a 503
// with Retry-After, the client's mistakes are 4xx, and only our own faults 500.
func TestAPIErrorsMapToSCIM(t *testing.T) {
	gr := schema.GroupResource{Group: "identity.rollcall.dev", Resource: "workspaceusers"}
	tests := []struct {
		name       string
		err        error
		status     int
		scimType   string
		retryAfter bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, http.StatusServiceUnavailable, "", true},
		{"unavailable", apierrors.NewServiceUnavailable("etcd down"), http.StatusServiceUnavailable, "", true},
		{"timeout", apierrors.NewTimeoutError("slow", 1), http.StatusServiceUnavailable, "", true},
		{"deadline", fmt.Errorf("claim userName: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "", true},
		{"client timeout", &url.Error{Op: "Get", URL: "https://api", Err: timeoutError{}}, http.StatusServiceUnavailable, "", true},
		{"throttled", apierrors.NewTooManyRequests("slow down", 1), http.StatusServiceUnavailable, "", true},
		{"invalid", apierrors.NewInvalid(schema.GroupKind{Group: gr.Group, Kind: "WorkspaceUser"}, "u", field.ErrorList{field.TooLong(field.NewPath("spec", "userName"), "", 512)}),
			http.StatusBadRequest, "invalidValue", false},
		{"exists", apierrors.NewAlreadyExists(gr, "u"), http.StatusConflict, "uniqueness", false},
		{"conflict", apierrors.NewConflict(gr, "u", errors.New("changed")), http.StatusPreconditionFailed, "invalidVers", false},
		{"forbidden", apierrors.NewForbidden(gr, "u", errors.New("rbac")), http.StatusInternalServerError, "", false},
		// Wrapped, as the userName claims wrap theirs: still the API server's answer, not a lost connection.
		{"wrapped method not supported", fmt.Errorf("claim userName: %w", apierrors.NewMethodNotSupported(gr, "patch")), http.StatusInternalServerError, "", false},
	}
	for _, tt := range tests {
		got := fromAPIError("do it", tt.err)
		if got.Status != tt.status || got.ScimType != tt.scimType || (got.RetryAfter > 0) != tt.retryAfter {
			t.Errorf("%s: got %d %q retryAfter %v, want %d %q retryAfter %v", tt.name, got.Status, got.ScimType, got.RetryAfter, tt.status, tt.scimType, tt.retryAfter)
		}
	}
	invalid := fromAPIError("create the user", tests[6].err)
	if want := "create the user: spec.userName: Too long: may not be more than 512 bytes"; invalid.Detail != want {
		t.Errorf("detail %q, want %q", invalid.Detail, want)
	}
	wrapped := fromAPIError("claim", fmt.Errorf("claim userName: %w", apierrors.NewTooManyRequests("slow down", 1)))
	if want := "claim: the Kubernetes API server is unavailable (TooManyRequests); retry later"; wrapped.Detail != want {
		t.Errorf("detail %q, want %q", wrapped.Detail, want)
	}
}

// TestTimeoutsAnswerThatTheAPIServerDidNotAnswer: a deadline that passed is
// a 503 saying so, not "no connection".
func TestTimeoutsAnswerThatTheAPIServerDidNotAnswer(t *testing.T) {
	got := fromAPIError("create the user", fmt.Errorf("wrapped: %w", context.DeadlineExceeded))
	if want := "create the user: the Kubernetes API server did not answer in time; retry later"; got.Detail != want || got.RetryAfter != apiRetryAfter {
		t.Errorf("got %q retryAfter %s, want %q retryAfter %s", got.Detail, got.RetryAfter, want, apiRetryAfter)
	}
}

// TestOutcomeUnknown: a write whose claim is kept is one that got no answer
// or that the API server says timed out; a refused or conflicting write
// was not made.
func TestOutcomeUnknown(t *testing.T) {
	gr := schema.GroupResource{Group: "identity.rollcall.dev", Resource: "workspaceusers"}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"deadline", context.DeadlineExceeded, true},
		{"client timeout", &url.Error{Op: "Post", URL: "https://api", Err: timeoutError{}}, true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, true},
		{"server timeout", apierrors.NewServerTimeout(gr, "create", 1), true},
		{"timeout", apierrors.NewTimeoutError("slow", 1), true},
		{"invalid", apierrors.NewBadRequest("no"), false},
		{"exists", apierrors.NewAlreadyExists(gr, "u"), false},
		{"unavailable", apierrors.NewServiceUnavailable("etcd down"), false},
		{"changed", fmt.Errorf("patch: %w", store.ErrChanged), false},
	} {
		if got := outcomeUnknown(tt.err); got != tt.want {
			t.Errorf("%s: outcomeUnknown = %v, want %v", tt.name, got, tt.want)
		}
	}
}
