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
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

// recentEvents is how many of an object's newest events the plugin shows.
const recentEvents = 5

func newUserCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "user",
		Aliases: []string{"users", "wsu"},
		Short:   "Explain WorkspaceUsers",
		RunE:    helpOrUnknown,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "explain NAME",
		Short: "Say in one screen why a WorkspaceUser is or is not a member of its workspace's backend",
		Long: "Say in one screen why a WorkspaceUser is or is not a member of its workspace's backend: " +
			"its state, the domains it waits for, its conditions and its newest events. NAME is the " +
			"object's name (kubectl get workspaceusers shows it).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := k.clientIn()
			if err != nil {
				return err
			}
			user := &identityv1alpha1.WorkspaceUser{}
			if err := c.Get(cmd.Context(), client.ObjectKey{Namespace: ns, Name: args[0]}, user); err != nil {
				return fmt.Errorf("get workspaceuser %s/%s: %w", ns, args[0], err)
			}
			domains := domainStates(cmd.Context(), c, user)
			events := eventsOf(cmd.Context(), c, ns, "WorkspaceUser", user.Name)
			return explainUser(streams.Out, user, domains, events, time.Now())
		},
	})
	return cmd
}

// domainState is one domain a user waits for and what the cluster says of it.
type domainState struct {
	name string
	// state is "verified", "not verified (reason)", "not claimed", or the
	// error that kept it from being read.
	state string
}

// domainStates reads the WorkspaceDomain of each gated domain of user.
func domainStates(ctx context.Context, c client.Client, user *identityv1alpha1.WorkspaceUser) []domainState {
	var out []domainState
	for _, name := range userdomain.All(user) {
		d := &identityv1alpha1.WorkspaceDomain{}
		err := c.Get(ctx, client.ObjectKey{Name: name}, d)
		switch {
		case client.IgnoreNotFound(err) == nil && err != nil:
			out = append(out, domainState{name, "not claimed by any workspace"})
		case err != nil:
			out = append(out, domainState{name, fmt.Sprintf("unknown (%v)", err)})
		case d.Spec.WorkspaceRef.Namespace != user.Namespace || d.Spec.WorkspaceRef.Name != user.Spec.WorkspaceRef.Name:
			out = append(out, domainState{name, fmt.Sprintf("claimed by another workspace (%s/%s)",
				d.Spec.WorkspaceRef.Namespace, d.Spec.WorkspaceRef.Name)})
		default:
			v := meta.FindStatusCondition(d.Status.Conditions, identityv1alpha1.ConditionVerified)
			switch {
			case v == nil:
				out = append(out, domainState{name, fmt.Sprintf("not verified yet (method %s)", d.Spec.Verification.Method)})
			case v.Status == metav1.ConditionTrue:
				out = append(out, domainState{name, "verified (" + v.Reason + ")"})
			default:
				out = append(out, domainState{name, "not verified (" + v.Reason + ")"})
			}
		}
	}
	return out
}

// eventsOf returns the newest events about one object, newest first. An
// error reading them (no right to list events, say) yields none: events
// are a help, not the answer.
func eventsOf(ctx context.Context, c client.Client, ns, kind, name string) []eventsv1.Event {
	list := &eventsv1.EventList{}
	sel := fields.Set{"regarding.kind": kind, "regarding.name": name}.AsSelector()
	if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingFieldsSelector{Selector: sel}); err != nil {
		return nil
	}
	events := list.Items
	slices.SortFunc(events, func(a, b eventsv1.Event) int { return eventTime(b).Compare(eventTime(a)) })
	return events[:min(len(events), recentEvents)]
}

// eventTime is when an event last happened.
func eventTime(e eventsv1.Event) time.Time {
	switch {
	case e.Series != nil:
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.DeprecatedLastTimestamp.IsZero():
		return e.DeprecatedLastTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

// verdict is the one-line answer: is the person a member, and if not, why.
func verdict(user *identityv1alpha1.WorkspaceUser) string {
	ready := meta.FindStatusCondition(user.Status.Conditions, identityv1alpha1.ConditionReady)
	switch {
	case user.DeletionTimestamp != nil:
		return "being deprovisioned: the workspace's deprovisioning policy is applied to its member, then the object goes"
	case ready == nil:
		return "not reconciled yet: the user controller has not looked at this user (is the manager running?)"
	case ready.ObservedGeneration != user.Generation:
		return "catching up: the last change is not reconciled yet"
	case ready.Status == metav1.ConditionTrue && user.IsActive():
		return "an active member of the backend"
	case ready.Status == metav1.ConditionTrue:
		return "an inactive member of the backend (active is false: deactivated by the identity provider)"
	case ready.Reason == identityv1alpha1.ReasonDomainNotVerified || ready.Reason == identityv1alpha1.ReasonNoDomain:
		return "held, not in the backend: " + ready.Message
	}
	return fmt.Sprintf("not in step with the backend (%s): %s", ready.Reason, ready.Message)
}

// explainUser prints the explanation of one user.
func explainUser(out io.Writer, user *identityv1alpha1.WorkspaceUser, domains []domainState, events []eventsv1.Event, now time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s: %s\n", user.Namespace, user.Name, verdict(user))
	fmt.Fprintf(&b, "  userName:   %s\n", user.Spec.UserName)
	fmt.Fprintf(&b, "  workspace:  %s\n", user.Spec.WorkspaceRef.Name)
	fmt.Fprintf(&b, "  active:     %t\n", user.IsActive())
	if user.Status.MemberKey != "" {
		fmt.Fprintf(&b, "  member key: %s\n", user.Status.MemberKey)
	}
	if t := user.Status.LastSyncTime; t != nil {
		fmt.Fprintf(&b, "  last sync:  %s (%s ago)\n", t.UTC().Format(time.RFC3339), since(now, t.Time))
	}
	if len(domains) > 0 {
		b.WriteString("Domains that must be verified:\n")
		for _, d := range domains {
			fmt.Fprintf(&b, "  %s: %s\n", d.name, d.state)
			if strings.HasPrefix(d.state, "not verified") {
				fmt.Fprintf(&b, "    approve it: kubectl rollcall domain approve %s\n", d.name)
			}
		}
	}
	if len(user.Status.Conditions) > 0 {
		b.WriteString("Conditions:\n")
		for _, c := range user.Status.Conditions {
			fmt.Fprintf(&b, "  %s=%s %s: %s\n", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	if len(events) > 0 {
		b.WriteString("Newest events:\n")
		for _, e := range events {
			fmt.Fprintf(&b, "  %s ago  %s %s: %s\n", since(now, eventTime(e)), e.Type, e.Reason, e.Note)
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// since is a short, rounded duration from t to now.
func since(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Hour).String()
}
