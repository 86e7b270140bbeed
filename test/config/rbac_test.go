package config

import (
	"context"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestSCIMServerReadsSecretsOnlyInItsNamespace installs the RBAC of
// config/default for real, generated roles and hand-written bindings alike,
// and asks the API server's authorizer what the SCIM server's service
// account may do with Secrets: get, by name, in rollcall-system (the token
// digest records), nothing anywhere else. The controller's account may
// write the records there.
func TestSCIMServerReadsSecretsOnlyInItsNamespace(t *testing.T) {
	objs := kustomize(t, "config/default")
	ctx := context.Background()
	for _, obj := range objs {
		switch obj.GetKind() {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			if err := env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj), client.FieldOwner("config-test"), client.ForceOwnership); err != nil {
				t.Fatalf("apply %s %s: %v", obj.GetKind(), obj.GetName(), err)
			}
		}
	}
	const (
		scim       = "system:serviceaccount:rollcall-system:rollcall-scim"
		controller = "system:serviceaccount:rollcall-system:rollcall-controller"
	)
	for _, c := range []struct {
		user, verb, namespace string
		allowed               bool
	}{
		{scim, "get", "rollcall-system", true},
		{scim, "list", "rollcall-system", false},
		{scim, "watch", "rollcall-system", false},
		{scim, "update", "rollcall-system", false},
		{scim, "get", "default", false},
		{scim, "get", "team-a", false},
		{scim, "get", "", false},
		{scim, "list", "", false},
		{controller, "create", "rollcall-system", true},
		{controller, "update", "rollcall-system", true},
		{controller, "delete", "rollcall-system", true},
		{controller, "get", "team-a", true},
		{controller, "update", "team-a", false},
	} {
		if got := allowed(t, ctx, c.user, c.verb, c.namespace, c.allowed); got != c.allowed {
			t.Errorf("%s may %s Secrets in %q: %v, want %v", c.user, c.verb, c.namespace, got, c.allowed)
		}
	}
}

// allowed asks the authorizer whether user may verb Secrets in namespace.
// The RBAC just applied reaches the authorizer's cache within moments, so
// an answer other than want is asked again for a few seconds.
func allowed(t *testing.T, ctx context.Context, user, verb, namespace string, want bool) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   user,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:rollcall-system", "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: namespace, Verb: verb, Resource: "secrets", Name: nameFor(verb),
			},
		}}
		if err := env.Client.Create(ctx, review); err != nil {
			t.Fatal(err)
		}
		if review.Status.Allowed == want || time.Now().After(deadline) {
			return review.Status.Allowed
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nameFor is the Secret name a request of verb carries: none for a list
// or watch.
func nameFor(verb string) string {
	if verb == "list" || verb == "watch" {
		return ""
	}
	return "any"
}
