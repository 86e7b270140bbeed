package backend

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind classifies a backend failure by what the caller should do about it.
type ErrorKind string

const (
	// KindUnavailable means the backend could not be reached or answered with a
	// server error or 429. Transient: retry with backoff (after RetryAfter
	// when the backend said so).
	KindUnavailable ErrorKind = "Unavailable"
	// KindInvalidCredentials means the backend refused the credentials. Permanent
	// until the credentials change.
	KindInvalidCredentials ErrorKind = "InvalidCredentials"
	// KindInvalidConfig means the backend configuration cannot work (a malformed
	// DSN or URL, a missing database). Permanent until the configuration changes.
	KindInvalidConfig ErrorKind = "InvalidConfig"
	// KindRejected means the backend refused this member (a value it cannot
	// store). Permanent until the member changes.
	KindRejected ErrorKind = "Rejected"
)

// Error is a classified backend failure.
type Error struct {
	// Kind says whether to retry.
	Kind ErrorKind
	// RetryAfter is how long the backend asked the caller to wait; zero when
	// it did not say.
	RetryAfter time.Duration
	// Err is the underlying failure.
	Err error
}

func (e *Error) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s (retry after %s): %v", e.Kind, e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Unavailable classifies err as transient.
func Unavailable(err error) error { return &Error{Kind: KindUnavailable, Err: err} }

// UnavailableFor classifies err as transient with the wait the backend asked for.
func UnavailableFor(err error, retryAfter time.Duration) error {
	return &Error{Kind: KindUnavailable, RetryAfter: retryAfter, Err: err}
}

// InvalidCredentials classifies err as a refusal of the credentials.
func InvalidCredentials(err error) error { return &Error{Kind: KindInvalidCredentials, Err: err} }

// InvalidConfig classifies err as an unusable configuration.
func InvalidConfig(err error) error { return &Error{Kind: KindInvalidConfig, Err: err} }

// Rejected classifies err as the backend refusing a member's values.
func Rejected(err error) error { return &Error{Kind: KindRejected, Err: err} }

// KindOf returns the kind of err. An unclassified error counts as
// KindUnavailable: retrying something unknown is safer than giving up.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnavailable
}

// IsTransient reports whether retrying err later may succeed.
func IsTransient(err error) bool { return err != nil && KindOf(err) == KindUnavailable }

// RetryAfterOf returns the wait the backend asked for, or zero.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
