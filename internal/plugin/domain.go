package plugin

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
	"github.com/rollcall-dev/rollcall/internal/whoami"
)

func newDomainCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "domain",
		Aliases: []string{"domains"},
		Short:   "Approve, deny, revoke and list claimed e-mail domains (WorkspaceDomains)",
	}
	cmd.AddCommand(
		newDecisionCommand(k, streams, approveDecision,
			"Verify a claimed domain, so its users may join the workspace",
			"Needs verb approve on domains.identity.rollcall.dev for the domain. Refuses an approved domain unless --force."),
		newDecisionCommand(k, streams, denyDecision,
			"Refuse a claimed domain: its users stay held",
			"Needs verb approve on domains.identity.rollcall.dev for the domain. Use revoke for an approved domain."),
		newDecisionCommand(k, streams, revokeDecision,
			"Withdraw the approval of a domain: its members are deactivated",
			"Needs verb approve on domains.identity.rollcall.dev for the domain. Only an approved domain can be revoked."),
		newListCommand(k, streams),
	)
	return cmd
}

func newDecisionCommand(k *kube, streams genericiooptions.IOStreams, d decision, short, long string) *cobra.Command {
	in := decisionInput{}
	cmd := &cobra.Command{
		Use:   d.verb + " DOMAIN",
		Short: short,
		Long:  short + ".\n\n" + long,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := k.client()
			if err != nil {
				return err
			}
			if err := decide(cmd.Context(), c, d, args[0], in, time.Now); err != nil {
				return err
			}
			_, err = fmt.Fprintf(streams.Out, "workspacedomain.identity.rollcall.dev/%s %s\n", args[0], d.done)
			return err
		},
	}
	cmd.Flags().StringVar(&in.reason, "reason", "", "reason of the Verified condition (default "+d.reason+")")
	cmd.Flags().StringVar(&in.message, "message", "", "why, in a few words; the condition's message names you in any case")
	cmd.Flags().BoolVar(&in.force, "force", false, "decide again even if the domain already has this decision")
	return cmd
}

// decide writes the Verified condition for decision d with server-side
// apply, retrying from a fresh read if the domain changed meanwhile.
func decide(ctx context.Context, c client.Client, d decision, name string, in decisionInput, now func() time.Time) error {
	user, err := whoami.Username(ctx, c)
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		domain := &identityv1alpha1.WorkspaceDomain{}
		if err := c.Get(ctx, client.ObjectKey{Name: name}, domain); err != nil {
			return fmt.Errorf("get domain %s: %w", name, err)
		}
		verified, err := d.condition(domain, user, in)
		if err != nil {
			return err
		}
		at := metav1.NewTime(now())
		status := ac.WorkspaceDomainStatus().WithConditions(conditions.Apply(domain.Status.Conditions, verified, at))
		if verified.Status == metav1.ConditionTrue {
			status.WithApprovedBy(user).WithApprovedAt(at)
		}
		// The resourceVersion makes the apply conditional on the domain
		// read above, on which the decision was checked.
		apply := ac.WorkspaceDomain(name).WithResourceVersion(domain.ResourceVersion).WithStatus(status)
		if err := c.Status().Apply(ctx, apply, client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
			return fmt.Errorf("%s domain %s: %w", d.verb, name, err)
		}
		return nil
	})
}

func newListCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List claimed domains with their verification",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := k.client()
			if err != nil {
				return err
			}
			domains := &identityv1alpha1.WorkspaceDomainList{}
			if err := c.List(cmd.Context(), domains); err != nil {
				return fmt.Errorf("list domains: %w", err)
			}
			return printDomains(streams.Out, domains.Items, time.Now())
		},
	}
}

func printDomains(out io.Writer, domains []identityv1alpha1.WorkspaceDomain, now time.Time) error {
	w := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	_, _ = fmt.Fprintln(w, "NAME\tWORKSPACE\tMETHOD\tVERIFIED\tREASON\tAPPROVED-BY\tAGE")
	for _, d := range domains {
		verified, reason := "Unknown", "PendingApproval"
		if c := meta.FindStatusCondition(d.Status.Conditions, identityv1alpha1.ConditionVerified); c != nil {
			verified, reason = string(c.Status), c.Reason
		}
		approvedBy := d.Status.ApprovedBy
		if approvedBy == "" || verified != string(metav1.ConditionTrue) {
			approvedBy = "-"
		}
		_, _ = fmt.Fprintf(w, "%s\t%s/%s\t%s\t%s\t%s\t%s\t%s\n", d.Name,
			d.Spec.WorkspaceRef.Namespace, d.Spec.WorkspaceRef.Name, d.Spec.Verification.Method,
			verified, reason, approvedBy, duration.HumanDuration(now.Sub(d.CreationTimestamp.Time)))
	}
	return w.Flush()
}
