package plugin

import (
	"fmt"

	"github.com/spf13/cobra"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// ExitCode ends the command with its code, its answer already printed:
// "no" of can-approve exits 1, as kubectl auth can-i does.
type ExitCode int

func (e ExitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// newCanApproveCommand answers whether the caller (or the identity --as
// names) may approve a domain: the question the admission policy and
// domain approve ask, verb approve on domains.identity.rollcall.dev by the
// domain's name. kubectl auth can-i cannot ask it: the API serves no
// "domains" resource, so kubectl resolves the name to a core resource
// that only a wildcard role grants.
func newCanApproveCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "can-approve DOMAIN",
		Short: "Say whether you (or the identity --as names) may approve, deny, revoke or preapprove a domain",
		Long: "Ask the API server whether the caller holds verb approve on domains.identity.rollcall.dev for DOMAIN " +
			"(a SelfSubjectAccessReview), as the admission policy does for a decision or a Preapproved domain. " +
			"Prints yes or no; exits 1 for no. With --as, a cluster administrator checks another identity, " +
			"for example the service account a GitOps sync applies as.",
		Example: "  kubectl rollcall domain can-approve example.com --as=system:serviceaccount:flux-system:kustomize-controller",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := k.client()
			if err != nil {
				return err
			}
			review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Group: identityv1alpha1.GroupVersion.Group, Resource: "domains", Verb: "approve", Name: args[0],
				},
			}}
			if err := c.Create(cmd.Context(), review); err != nil {
				return fmt.Errorf("ask the API server: %w", err)
			}
			if !review.Status.Allowed {
				_, _ = fmt.Fprintln(streams.Out, "no")
				return ExitCode(1)
			}
			_, err = fmt.Fprintln(streams.Out, "yes")
			return err
		},
	}
}
