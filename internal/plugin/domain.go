package plugin

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/approval"
)

func newDomainCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "domain",
		Aliases: []string{"domains"},
		Short:   "Approve, deny, revoke and list claimed e-mail domains (WorkspaceDomains); check who may",
		RunE:    helpOrUnknown,
	}
	cmd.AddCommand(
		newDecisionCommand(k, streams, approval.Approve,
			"Verify a claimed domain, so its users may join the workspace",
			"Needs verb approve on domains.identity.rollcall.dev for the domain. Refuses an approved domain unless --force."),
		newDecisionCommand(k, streams, approval.Deny,
			"Refuse a claimed domain: its users stay held",
			"Needs verb approve on domains.identity.rollcall.dev for the domain. Use revoke for an approved domain."),
		newDecisionCommand(k, streams, approval.Revoke,
			"Withdraw the approval of a domain: its members are deactivated",
			"Needs verb approve on domains.identity.rollcall.dev for the domain. Only an approved domain can be revoked."),
		newListCommand(k, streams),
		newCanApproveCommand(k, streams),
	)
	return cmd
}

func newDecisionCommand(k *kube, streams genericiooptions.IOStreams, d approval.Decision, short, long string) *cobra.Command {
	opts := approval.Options{FieldManager: FieldManager}
	cmd := &cobra.Command{
		Use:   d.Verb() + " DOMAIN",
		Short: short,
		Long: short + ".\n\n" + long + " Only for domains whose spec.verification.method is Manual: " +
			"the operator decides DNS and Preapproved domains.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := k.client()
			if err != nil {
				return err
			}
			if err := approval.Apply(cmd.Context(), c, d, args[0], opts); err != nil {
				return err
			}
			_, err = fmt.Fprintf(streams.Out, "workspacedomain.identity.rollcall.dev/%s %s\n", args[0], d.Done())
			return err
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "reason of the Verified condition (default "+d.DefaultReason()+")")
	cmd.Flags().StringVar(&opts.Message, "message", "", "why, in a few words; the condition's message names you in any case")
	if d != approval.Revoke { // revoking is only from Approved, so there is nothing to force
		cmd.Flags().BoolVar(&opts.Force, "force", false, "decide again even if the domain already has this decision")
	}
	return cmd
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
