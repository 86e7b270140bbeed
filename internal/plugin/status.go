package plugin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

func newStatusCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "status WORKSPACE",
		Short: "Show a workspace at a glance: Tenant URL, users by state, groups, domains and the newest problems",
		Long: "Show a workspace at a glance: its Tenant URL and token Secret, its conditions, its users by " +
			"state, its groups, the e-mail domains it claims and whether they are verified, and the newest " +
			"warnings about it and its users. Parts the caller may not read are said to be unreadable.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := k.clientIn()
			if err != nil {
				return err
			}
			ws := &identityv1alpha1.Workspace{}
			if err := c.Get(cmd.Context(), client.ObjectKey{Namespace: ns, Name: args[0]}, ws); err != nil {
				return fmt.Errorf("get workspace %s/%s: %w", ns, args[0], err)
			}
			return printWorkspaceStatus(streams.Out, readWorkspaceView(cmd.Context(), c, ws), time.Now())
		},
	}
}

// workspaceView is what status shows of one workspace, read from the
// cluster; the errors say which part could not be read.
type workspaceView struct {
	ws          *identityv1alpha1.Workspace
	groups      []identityv1alpha1.WorkspaceGroup
	groupsErr   error
	domains     []identityv1alpha1.WorkspaceDomain
	domainsErr  error
	warnings    []eventsv1.Event
	warningsErr error
}

func readWorkspaceView(ctx context.Context, c client.Client, ws *identityv1alpha1.Workspace) workspaceView {
	v := workspaceView{ws: ws}
	groups := &identityv1alpha1.WorkspaceGroupList{}
	if v.groupsErr = c.List(ctx, groups, client.InNamespace(ws.Namespace)); v.groupsErr == nil {
		for _, g := range groups.Items {
			if g.Spec.WorkspaceRef.Name == ws.Name {
				v.groups = append(v.groups, g)
			}
		}
	}
	domains := &identityv1alpha1.WorkspaceDomainList{}
	if v.domainsErr = c.List(ctx, domains); v.domainsErr == nil {
		for _, d := range domains.Items {
			if d.Spec.WorkspaceRef.Namespace == ws.Namespace && d.Spec.WorkspaceRef.Name == ws.Name {
				v.domains = append(v.domains, d)
			}
		}
	}
	v.warnings, v.warningsErr = warningsIn(ctx, c, ws)
	return v
}

// warningsIn returns the newest Warning events about the workspace and
// the users and groups of its namespace that belong to it, newest first.
func warningsIn(ctx context.Context, c client.Client, ws *identityv1alpha1.Workspace) ([]eventsv1.Event, error) {
	list := &eventsv1.EventList{}
	sel := fields.Set{"type": "Warning"}.AsSelector()
	if err := c.List(ctx, list, client.InNamespace(ws.Namespace), client.MatchingFieldsSelector{Selector: sel}); err != nil {
		return nil, err
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		switch e.Regarding.Kind {
		case "Workspace":
			if e.Regarding.Name == ws.Name {
				out = append(out, e)
			}
		case "WorkspaceUser", "WorkspaceGroup":
			// Users and groups name their workspace in spec, not in the
			// event: in a namespace with one workspace, which is the
			// usual case, these are its own.
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b eventsv1.Event) int { return eventTime(b).Compare(eventTime(a)) })
	return out[:min(len(out), recentEvents)], nil
}

func printWorkspaceStatus(out io.Writer, v workspaceView, now time.Time) error {
	ws := v.ws
	var b strings.Builder
	ready := meta.FindStatusCondition(ws.Status.Conditions, identityv1alpha1.ConditionReady)
	state := "not reconciled yet"
	if ready != nil {
		state = fmt.Sprintf("Ready=%s (%s)", ready.Status, ready.Reason)
	}
	fmt.Fprintf(&b, "Workspace %s/%s: %s\n", ws.Namespace, ws.Name, state)
	fmt.Fprintf(&b, "  backend:      %s, deprovisioning %s\n", ws.Spec.Backend.Type, ws.Spec.Deprovisioning)
	if ws.Status.TenantURL != "" {
		fmt.Fprintf(&b, "  Tenant URL:   %s\n", ws.Status.TenantURL)
	}
	if ws.Status.TokenSecretName != "" {
		fmt.Fprintf(&b, "  token Secret: %s (kubectl rollcall workspace token %s -n %s)\n", ws.Status.TokenSecretName, ws.Name, ws.Namespace)
	}
	if t := ws.Status.TokenPublishedTime; t != nil {
		fmt.Fprintf(&b, "  token age:    %s (published %s; kubectl rollcall workspace rotate-token %s -n %s)\n",
			duration.HumanDuration(now.Sub(t.Time)), t.UTC().Format(time.RFC3339), ws.Name, ws.Namespace)
	}
	for _, c := range ws.Status.Conditions {
		if c.Type != identityv1alpha1.ConditionReady {
			fmt.Fprintf(&b, "  %s=%s %s: %s\n", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	if u := ws.Status.Users; u != nil {
		fmt.Fprintf(&b, "Users: %d (%d active, %d synced, %d held for their domain, %d failing)\n",
			u.Total, u.Active, u.Synced, u.Held, u.Failed)
	} else {
		b.WriteString("Users: not counted yet\n")
	}
	printGroups(&b, v)
	printClaimedDomains(&b, v)
	switch {
	case v.warningsErr != nil:
		fmt.Fprintf(&b, "Newest warnings: cannot read events (%v)\n", v.warningsErr)
	case len(v.warnings) == 0:
		b.WriteString("Newest warnings: none\n")
	default:
		b.WriteString("Newest warnings:\n")
		for _, e := range v.warnings {
			fmt.Fprintf(&b, "  %s ago  %s/%s %s: %s\n", since(now, eventTime(e)), e.Regarding.Kind, e.Regarding.Name, e.Reason, e.Note)
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

func printGroups(b *strings.Builder, v workspaceView) {
	if v.groupsErr != nil {
		fmt.Fprintf(b, "Groups: cannot read (%v)\n", v.groupsErr)
		return
	}
	if len(v.groups) == 0 {
		return
	}
	var members, pending, unsynced int32
	for _, g := range v.groups {
		members += g.Status.Members.Total
		pending += g.Status.Members.Pending
		if !meta.IsStatusConditionTrue(g.Status.Conditions, identityv1alpha1.ConditionSynced) {
			unsynced++
		}
	}
	fmt.Fprintf(b, "Groups: %d (%d memberships, %d waiting for their user; %d groups not synced)\n",
		len(v.groups), members, pending, unsynced)
}

func printClaimedDomains(b *strings.Builder, v workspaceView) {
	switch {
	case v.domainsErr != nil:
		fmt.Fprintf(b, "Domains: cannot read (%v)\n", v.domainsErr)
		return
	case len(v.domains) == 0:
		b.WriteString("Domains: none claimed: every user is held until a domain is claimed and verified\n")
		return
	}
	b.WriteString("Domains:\n")
	for _, d := range v.domains {
		verified := meta.FindStatusCondition(d.Status.Conditions, identityv1alpha1.ConditionVerified)
		state := "not verified yet"
		switch {
		case verified != nil && verified.Status == metav1.ConditionTrue:
			state = "verified (" + verified.Reason + ")"
		case verified != nil:
			state = "not verified (" + verified.Reason + ")"
		}
		fmt.Fprintf(b, "  %-30s %-12s %s\n", d.Name, d.Spec.Verification.Method, state)
	}
}
