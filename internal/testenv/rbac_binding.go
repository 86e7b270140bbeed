package testenv

import (
	"context"
	"fmt"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// BindClusterRoles binds user to each ClusterRole with a ClusterRoleBinding
// named "<user>-<role>" and waits until the authorizer grants the user the
// first rule of each role, so the next request made as the user does not
// race the RBAC caches.
func BindClusterRoles(ctx context.Context, c client.Client, user string, roles ...string) error {
	for _, name := range roles {
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: user + "-" + name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		}
		if err := c.Create(ctx, binding); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("bind %s to ClusterRole %s: %w", user, name, err)
		}
		role := &rbacv1.ClusterRole{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, role); err != nil {
			return fmt.Errorf("get ClusterRole %s: %w", name, err)
		}
		if len(role.Rules) == 0 {
			continue
		}
		if err := waitUntilAllowed(ctx, c, user, role.Rules[0]); err != nil {
			return fmt.Errorf("bind %s to ClusterRole %s: %w", user, name, err)
		}
	}
	return nil
}

// BindRoles binds user to each Role of namespace with a RoleBinding named
// "<user>-<role>" there and waits, as BindClusterRoles does, until the
// authorizer grants the first rule of each role in namespace.
func BindRoles(ctx context.Context, c client.Client, namespace, user string, roles ...string) error {
	for _, name := range roles {
		binding := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: user + "-" + name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		}
		if err := c.Create(ctx, binding); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("bind %s to Role %s/%s: %w", user, namespace, name, err)
		}
		role := &rbacv1.Role{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, role); err != nil {
			return fmt.Errorf("get Role %s/%s: %w", namespace, name, err)
		}
		if len(role.Rules) == 0 {
			continue
		}
		if err := waitUntilAllowedIn(ctx, c, namespace, user, role.Rules[0]); err != nil {
			return fmt.Errorf("bind %s to Role %s/%s: %w", user, namespace, name, err)
		}
	}
	return nil
}

func waitUntilAllowed(ctx context.Context, c client.Client, user string, rule rbacv1.PolicyRule) error {
	return waitUntilAllowedIn(ctx, c, "", user, rule)
}

// waitUntilAllowedIn waits until user may do rule's first verb on its first
// resource in namespace ("" for cluster-wide).
func waitUntilAllowedIn(ctx context.Context, c client.Client, namespace, user string, rule rbacv1.PolicyRule) error {
	attrs := &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: rule.Verbs[0]}
	if len(rule.APIGroups) > 0 {
		attrs.Group = rule.APIGroups[0]
	}
	if len(rule.Resources) > 0 {
		attrs.Resource = rule.Resources[0]
	}
	if len(rule.ResourceNames) > 0 {
		attrs.Name = rule.ResourceNames[0]
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, ResourceAttributes: attrs,
		}}
		if err := c.Create(ctx, review); err != nil {
			return fmt.Errorf("review access of %s: %w", user, err)
		}
		if review.Status.Allowed {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s is still not allowed to %s %s: %w", user, attrs.Verb, attrs.Resource, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
