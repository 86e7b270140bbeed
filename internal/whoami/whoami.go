// Package whoami asks the API server who the caller is, with a
// SelfSubjectReview (authentication.k8s.io/v1). Approvers record the answer
// in the Verified condition and status.approvedBy, and the admission policy
// compares it with the request's user name.
package whoami

import (
	"context"
	"errors"
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Username returns the user name the API server sees for c's credentials.
// Every authenticated user may create a SelfSubjectReview (the built-in
// system:basic-user role allows it).
func Username(ctx context.Context, c client.Client) (string, error) {
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(ctx, review); err != nil {
		return "", fmt.Errorf("ask the API server who we are (SelfSubjectReview): %w", err)
	}
	name := review.Status.UserInfo.Username
	if name == "" {
		return "", errors.New("ask the API server who we are: the SelfSubjectReview names no user")
	}
	return name, nil
}
