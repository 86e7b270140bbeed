package scimserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// apiRetryAfter is what a client is told to wait when the API server is unreachable.
const apiRetryAfter = 5 * time.Second

// notFound is the answer for a user id the workspace does not have.
func notFound(id string) *scimerr.Error {
	return scimerr.New(http.StatusNotFound, "", "Resource %s not found", id)
}

// unavailable is the answer when the API server cannot be reached for what,
// or did not answer before the request's deadline (Options.APITimeout).
func unavailable(what string, err error) *scimerr.Error {
	if notAnswered(err) {
		return &scimerr.Error{Status: http.StatusServiceUnavailable, RetryAfter: apiRetryAfter,
			Detail: fmt.Sprintf("%s: the Kubernetes API server did not answer in time; retry later", what)}
	}
	return &scimerr.Error{Status: http.StatusServiceUnavailable, RetryAfter: apiRetryAfter,
		Detail: fmt.Sprintf("%s: the Kubernetes API server is unavailable (%v); retry later", what, reason(err))}
}

// notAnswered reports whether err is an API call that got no answer in
// time: the request's deadline passed, or the connection timed out.
func notAnswered(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// outcomeUnknown reports whether a write that failed with err may still
// have been made: it got no answer (a timeout, a dropped connection) or the
// API server said it timed out, which it says of writes that may complete.
// A claim made for such a write is kept: were it given up, a retry could
// claim the userName again and write a second user beside the first.
func outcomeUnknown(err error) bool {
	if notAnswered(err) {
		return true
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return !errors.Is(err, store.ErrChanged)
	}
	return apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err)
}

// reason is a short reason of an API error that names nothing outside the request.
func reason(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return string(status.Status().Reason)
	}
	return "no connection"
}

// fromAPIError turns an error of a Kubernetes API call made for the request
// into a SCIM error: the client's mistakes are 4xx, an unreachable or
// overloaded API server 503, and only our own faults 500.
func fromAPIError(what string, err error) *scimerr.Error {
	var se *scimerr.Error
	if errors.As(err, &se) {
		return se
	}
	if notAnswered(err) {
		return unavailable(what, err)
	}
	switch {
	case apierrors.IsNotFound(err):
		return scimerr.New(http.StatusNotFound, "", "%s: not found", what)
	case apierrors.IsAlreadyExists(err):
		return scimerr.New(http.StatusConflict, scimerr.Uniqueness, "%s: already exists", what)
	case apierrors.IsConflict(err), errors.Is(err, store.ErrChanged):
		return scimerr.New(http.StatusPreconditionFailed, scimerr.InvalidVers, "%s: the resource changed meanwhile; read it again and retry", what)
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		return scimerr.New(http.StatusBadRequest, scimerr.InvalidValue, "%s: %s", what, invalidDetail(err))
	case apierrors.IsRequestEntityTooLargeError(err):
		return scimerr.New(http.StatusRequestEntityTooLarge, "", "%s: the resource is too large", what)
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		return scimerr.New(http.StatusInternalServerError, "", "%s: the SCIM server is not allowed to do this; check its RBAC", what)
	case apierrors.IsTimeout(err), apierrors.IsServerTimeout(err), apierrors.IsTooManyRequests(err),
		apierrors.IsServiceUnavailable(err), apierrors.IsInternalError(err), apierrors.IsUnexpectedServerError(err):
		return unavailable(what, err)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		// Not an answer of the API server: the connection failed.
		return unavailable(what, err)
	}
	return scimerr.New(http.StatusInternalServerError, "", "%s: %v", what, err)
}

// invalidDetail lists the fields the API server refused, e.g.
// "spec.userName: Too long: may not be more than 512 bytes".
func invalidDetail(err error) string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil || len(status.Status().Details.Causes) == 0 {
		return err.Error()
	}
	out := ""
	for i, c := range status.Status().Details.Causes {
		if i > 0 {
			out += "; "
		}
		out += c.Field + ": " + c.Message
	}
	return out
}
