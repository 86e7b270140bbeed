package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
)

func newWorkspaceCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "workspace",
		Aliases: []string{"workspaces", "ws"},
		Short:   "Show a workspace's state, or its SCIM Tenant URL and token, or rotate the token",
		RunE:    helpOrUnknown,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "token WORKSPACE",
		Short: "Print the SCIM Tenant URL and secret token to paste into the identity provider",
		Long: "Print the SCIM Tenant URL and secret token to paste into the identity provider " +
			"(Entra ID: Provisioning > Admin Credentials). Needs get on the workspace and on its token Secret.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := k.clientIn()
			if err != nil {
				return err
			}
			url, token, err := scimCredentials(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(streams.Out, "Tenant URL:   %s\nSecret Token: %s\n", url, token)
			return err
		},
	})
	cmd.AddCommand(newRotateTokenCommand(k, streams), newStatusCommand(k, streams))
	return cmd
}

func newRotateTokenCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	var grace, wait time.Duration
	cmd := &cobra.Command{
		Use:   "rotate-token WORKSPACE",
		Short: "Give a workspace a new SCIM token; the old one keeps working for --grace",
		Long: "Give a workspace a new SCIM token and print it. The old token keeps working until --grace has passed, " +
			"so there is time to paste the new one into the identity provider. Needs get on the workspace and get and update on its token Secret.\n\n" +
			"The SCIM server learns the new token from the Rollcall controller (it never reads the token Secret): the command waits up to --wait " +
			"for the workspace to report it published, and fails if it does not, as until then the tokens known before, the old one included, stay in use.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := k.clientIn()
			if err != nil {
				return err
			}
			token, until, version, err := rotateToken(cmd.Context(), c, ns, args[0], grace, time.Now())
			if err != nil {
				return err
			}
			previous := "The previous token is no longer accepted."
			if !until.IsZero() {
				previous = "The previous token is accepted until " + until.UTC().Format(time.RFC3339) + "."
			}
			if _, err := fmt.Fprintf(streams.Out, "Secret Token: %s\n", token); err != nil {
				return err
			}
			if wait > 0 {
				if err := waitForPublishedToken(cmd.Context(), c, ns, args[0], version, wait); err != nil {
					return err
				}
			}
			_, err = fmt.Fprintln(streams.Out, previous)
			return err
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", 24*time.Hour, "How long the previous token stays valid; 0 ends it at once.")
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "How long to wait for the controller to publish the new token to the SCIM server; 0 does not wait.")
	return cmd
}

// rotateToken gives the workspace's token Secret a new token, keeping the old
// one for grace. It returns the new token, when the old one expires (zero
// when it already has) and the token Secret's new resourceVersion.
func rotateToken(ctx context.Context, c client.Client, namespace, name string, grace time.Duration, now time.Time) (string, time.Time, string, error) {
	ws := &identityv1alpha1.Workspace{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, ws); err != nil {
		return "", time.Time{}, "", fmt.Errorf("get workspace %s/%s: %w", namespace, name, err)
	}
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: namespace, Name: ws.TokenSecretName()}
	if err := c.Get(ctx, key, secret); err != nil {
		return "", time.Time{}, "", fmt.Errorf("get token Secret %s: %w", key, err)
	}
	token, err := scimtoken.Rotate(secret, grace, now)
	if err != nil {
		return "", time.Time{}, "", err
	}
	// Update carries the resourceVersion read above: a concurrent rotation
	// makes this one fail instead of losing a token.
	if err := c.Update(ctx, secret); err != nil {
		return "", time.Time{}, "", fmt.Errorf("update token Secret %s: %w", key, err)
	}
	_, until, _ := scimtoken.Previous(secret)
	return token, until, secret.ResourceVersion, nil
}

// waitForPublishedToken waits up to wait for the workspace to report the
// token Secret at version published to the SCIM server
// (status.publishedTokenVersion). Resource versions are opaque: only the
// very version counts, so an edit of the Secret meanwhile makes it wait
// out the time and say so.
func waitForPublishedToken(ctx context.Context, c client.Client, namespace, name, version string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ws := &identityv1alpha1.Workspace{}
	for {
		err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, ws)
		if err == nil && ws.Status.PublishedTokenVersion == version {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the token is rotated, but workspace %s/%s has not reported it published within %s "+
				"(status.publishedTokenVersion %q, the token Secret is at %q): until the Rollcall controller publishes it, "+
				"the SCIM server refuses the new token and accepts the tokens it knew before, the old one included; check that the controller runs",
				namespace, name, wait, ws.Status.PublishedTokenVersion, version)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// scimCredentials reads a workspace's Tenant URL and the token in its Secret.
func scimCredentials(ctx context.Context, c client.Client, namespace, name string) (string, string, error) {
	ws := &identityv1alpha1.Workspace{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, ws); err != nil {
		return "", "", fmt.Errorf("get workspace %s/%s: %w", namespace, name, err)
	}
	if !ws.SCIMEnabled() {
		return "", "", fmt.Errorf("workspace %s/%s has spec.scim.enabled false: it has no SCIM endpoint", namespace, name)
	}
	if ws.Status.TenantURL == "" || ws.Status.TokenSecretName == "" {
		why := "the operator has not published them yet"
		if c := meta.FindStatusCondition(ws.Status.Conditions, identityv1alpha1.ConditionSCIMReady); c != nil {
			why = c.Reason + ": " + c.Message
		}
		return "", "", fmt.Errorf("workspace %s/%s has no Tenant URL and token yet (%s)", namespace, name, why)
	}
	secret := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ws.Status.TokenSecretName}, secret); err != nil {
		return "", "", fmt.Errorf("get token Secret %s/%s: %w", namespace, ws.Status.TokenSecretName, err)
	}
	token := string(secret.Data[identityv1alpha1.TokenSecretKey])
	if token == "" {
		return "", "", fmt.Errorf("token Secret %s/%s has no key %q", namespace, secret.Name, identityv1alpha1.TokenSecretKey)
	}
	return ws.Status.TenantURL, token, nil
}
