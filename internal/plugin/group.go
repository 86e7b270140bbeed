package plugin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/internal/letin"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

func newGroupCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "group",
		Aliases: []string{"groups", "wsg"},
		Short:   "Show the members of workspace groups (WorkspaceGroups)",
		RunE:    helpOrUnknown,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "members GROUP",
		Short: "List a group's members, whether each is a member in the backend or waits, and why",
		Long: "List a group's members: one line per member with its userName, display name, state and, for a " +
			"Pending member, why it waits (domain not verified, inactive, not synced yet, no such user). A Member is " +
			"let in: the group controller keeps its membership in the workspace's backend; a Pending member's " +
			"membership is applied once its user is let in. Needs get and list on workspacegroups, " +
			"workspacegroupmemberships and workspaceusers in the namespace.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := k.clientIn()
			if err != nil {
				return err
			}
			members, group, err := groupMembers(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			return printGroupMembers(streams.Out, group, members)
		},
	})
	return cmd
}

// groupMember is one line of "group members".
type groupMember struct {
	id, userName, displayName string
	// member: let in (its membership belongs in the backend).
	member bool
	// category and why say why a pending member waits.
	category, why string
}

// Categories of pending members, for the summary.
const (
	pendingDomain   = "domain not verified"
	pendingInactive = "inactive"
	pendingDeleting = "being deleted"
	pendingNotSync  = "not synced yet"
	pendingNoUser   = "no such user"
)

// groupMembers reads the group, its shards and the users of its workspace,
// and gives each member its verdict (internal/letin, the group
// controller's rule).
func groupMembers(ctx context.Context, c client.Client, namespace, name string) ([]groupMember, *identityv1alpha1.WorkspaceGroup, error) {
	group := &identityv1alpha1.WorkspaceGroup{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, group); err != nil {
		return nil, nil, fmt.Errorf("get workspacegroup %s/%s: %w", namespace, name, err)
	}
	shards := &identityv1alpha1.WorkspaceGroupMembershipList{}
	if err := c.List(ctx, shards, client.InNamespace(namespace), client.MatchingLabels{identityv1alpha1.LabelGroup: name}); err != nil {
		return nil, nil, fmt.Errorf("list the memberships of group %s: %w", name, err)
	}
	ids := groupmembers.Shards{}
	for _, s := range shards.Items {
		if s.Spec.GroupRef.Name == name {
			ids[s.Spec.HashPrefix] = s.Spec.Members
		}
	}
	users, err := usersByUID(ctx, c, namespace, group.Spec.WorkspaceRef.Name)
	if err != nil {
		return nil, nil, err
	}
	domains := domainChecker{c: c, namespace: namespace, workspace: group.Spec.WorkspaceRef.Name, verified: map[string]bool{}}
	var out []groupMember
	for _, id := range ids.Members() {
		u, ok := users[id]
		if !ok {
			out = append(out, groupMember{id: id, category: pendingNoUser,
				why: fmt.Sprintf("no such user: no WorkspaceUser of workspace %s has SCIM id %s", group.Spec.WorkspaceRef.Name, id)})
			continue
		}
		m := groupMember{id: id, userName: u.Spec.UserName, displayName: u.Spec.DisplayName}
		v := letin.Of(u)
		switch {
		case v.State == letin.In:
			m.member = true
		case v.Reason == letin.ReasonDeleting:
			m.category, m.why = pendingDeleting, "being deleted"
		case v.Reason == letin.ReasonInactive:
			m.category, m.why = pendingInactive, "inactive"
		case v.Reason == identityv1alpha1.ReasonDomainNotVerified || v.Reason == identityv1alpha1.ReasonNoDomain:
			m.category, m.why = pendingDomain, domains.why(ctx, u, v)
		default:
			m.category, m.why = pendingNotSync, "not synced yet: "+notSyncedWhy(u, v)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b groupMember) int {
		if a.userName == "" || b.userName == "" { // no such user: last
			return strings.Compare(b.userName, a.userName)
		}
		return strings.Compare(a.userName, b.userName)
	})
	return out, group, nil
}

// usersByUID lists the users of the workspace, a page at a time.
func usersByUID(ctx context.Context, c client.Client, namespace, workspace string) (map[string]*identityv1alpha1.WorkspaceUser, error) {
	out := map[string]*identityv1alpha1.WorkspaceUser{}
	opts := []client.ListOption{client.InNamespace(namespace), client.Limit(500)}
	for {
		list := &identityv1alpha1.WorkspaceUserList{}
		if err := c.List(ctx, list, opts...); err != nil {
			return nil, fmt.Errorf("list workspace users: %w", err)
		}
		for i := range list.Items {
			if u := &list.Items[i]; u.Spec.WorkspaceRef.Name == workspace {
				out[string(u.UID)] = u
			}
		}
		if list.Continue == "" {
			return out, nil
		}
		opts = []client.ListOption{client.InNamespace(namespace), client.Limit(500), client.Continue(list.Continue)}
	}
}

// notSyncedWhy is the reason (and a short message) a user is not synced.
func notSyncedWhy(u *identityv1alpha1.WorkspaceUser, v letin.Verdict) string {
	if c := meta.FindStatusCondition(u.Status.Conditions, identityv1alpha1.ConditionSynced); c != nil &&
		c.ObservedGeneration == u.Generation && c.Status != metav1.ConditionTrue {
		return c.Reason
	}
	if v.Reason == letin.ReasonNotSyncedYet {
		return "the user controller has not caught up with the user's last change"
	}
	return v.Reason
}

// domainChecker names the domains of a held user that are not verified
// for the workspace, as the user gate decides (a WorkspaceDomain claiming
// the workspace with Verified=True), remembering each domain's answer.
type domainChecker struct {
	c                    client.Client
	namespace, workspace string
	verified             map[string]bool
}

func (d *domainChecker) why(ctx context.Context, u *identityv1alpha1.WorkspaceUser, v letin.Verdict) string {
	all := userdomain.All(u)
	if len(all) == 0 {
		return "domain not verified: the user has no e-mail address to take a domain from"
	}
	var unverified []string
	for _, domain := range all {
		ok, known := d.verified[domain]
		if !known {
			var err error
			if ok, err = d.check(ctx, domain); err != nil {
				// Not allowed to read WorkspaceDomains: name them all.
				return "domain not verified: " + strings.Join(all, ", ") + " (" + v.Reason + ")"
			}
			d.verified[domain] = ok
		}
		if !ok {
			unverified = append(unverified, domain)
		}
	}
	if len(unverified) == 0 { // verified since the user controller looked
		return "domain not verified: " + strings.Join(all, ", ") + " (the user controller has not seen the approval yet)"
	}
	return "domain not verified: " + strings.Join(unverified, ", ")
}

func (d *domainChecker) check(ctx context.Context, domain string) (bool, error) {
	claim := &identityv1alpha1.WorkspaceDomain{}
	if err := d.c.Get(ctx, client.ObjectKey{Name: domain}, claim); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	ref := claim.Spec.WorkspaceRef
	return ref.Namespace == d.namespace && ref.Name == d.workspace &&
		meta.IsStatusConditionTrue(claim.Status.Conditions, identityv1alpha1.ConditionVerified), nil
}

func printGroupMembers(out io.Writer, group *identityv1alpha1.WorkspaceGroup, members []groupMember) error {
	w := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	_, _ = fmt.Fprintln(w, "USERNAME\tDISPLAY-NAME\tSTATE\tWHY")
	pending := map[string]int{}
	let := 0
	for _, m := range members {
		state, why := "Member", "-"
		if m.member {
			let++
		} else {
			state, why = "Pending", m.why
			pending[m.category]++
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", dash(m.userName), dash(m.displayName), state, why)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	var parts []string
	for _, c := range []string{pendingDomain, pendingInactive, pendingNotSync, pendingDeleting, pendingNoUser} {
		if n := pending[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	summary := fmt.Sprintf("%d members: %d let in, %d pending", len(members), let, len(members)-let)
	if len(parts) > 0 {
		summary += " (" + strings.Join(parts, ", ") + ")"
	}
	if group.Status.ObservedGeneration > 0 {
		summary += fmt.Sprintf("; %d in the backend at the last sync", group.Status.Members.Synced)
	}
	if c := meta.FindStatusCondition(group.Status.Conditions, identityv1alpha1.ConditionSynced); c != nil && c.Status != metav1.ConditionTrue {
		summary += fmt.Sprintf("; the group is not synced (%s): %s", c.Reason, c.Message)
	}
	_, err := fmt.Fprintln(out, summary)
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
