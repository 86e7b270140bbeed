package plugin

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
)

func newBackupCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	var workspace, file string
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Write the namespace's Workspaces, users, groups and memberships to a file that restore reads back",
		Long: "Write one YAML List of the namespace's Workspaces, WorkspaceUsers, WorkspaceGroups and " +
			"WorkspaceGroupMemberships, without the fields the cluster sets (uid, resourceVersion, status, ...). " +
			"Each user and group carries the key of its member or group in the backend (" +
			identityv1alpha1.AnnotationBackendKey + ") and its SCIM id at backup time (" +
			identityv1alpha1.AnnotationBackupID + "), which \"kubectl rollcall restore\" translates memberships by. " +
			"Secrets are not written: the SCIM token Secret is made again by the operator (reissue the token to the " +
			"identity provider), and the backend Secrets are yours to back up. Needs list on workspaces, " +
			"workspaceusers, workspacegroups and workspacegroupmemberships in the namespace.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, ns, err := k.clientIn()
			if err != nil {
				return err
			}
			b, err := readBackup(cmd.Context(), c, ns, workspace)
			if err != nil {
				return err
			}
			out := streams.Out
			if file != "" {
				// The file holds people's names and e-mail addresses.
				f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
				if err != nil {
					return fmt.Errorf("write the backup: %w", err)
				}
				defer func() { _ = f.Close() }()
				out = f
			}
			if err := writeBackupFile(out, b, time.Now()); err != nil {
				return fmt.Errorf("write the backup: %w", err)
			}
			if file != "" {
				_, _ = fmt.Fprintf(streams.ErrOut, "backed up namespace %s to %s: %s\n", ns, file, b.summary())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&workspace, "workspace", "", "Only this workspace and its users, groups and memberships.")
	cmd.Flags().StringVarP(&file, "output-file", "o", "", "Write the backup to this file (mode 0600) rather than to standard output.")
	return cmd
}

// backup is what one backup holds, as read from the API server.
type backup struct {
	namespace   string
	workspaces  []identityv1alpha1.Workspace
	users       []identityv1alpha1.WorkspaceUser
	groups      []identityv1alpha1.WorkspaceGroup
	memberships []identityv1alpha1.WorkspaceGroupMembership
}

func (b *backup) summary() string {
	return fmt.Sprintf("%d workspaces, %d users, %d groups, %d membership shards",
		len(b.workspaces), len(b.users), len(b.groups), len(b.memberships))
}

// readBackup lists the namespace's objects (of one workspace when
// workspace is set), leaving out objects being deleted, and gives each
// user and group its backend key and SCIM id annotations.
func readBackup(ctx context.Context, c client.Client, namespace, workspace string) (*backup, error) {
	b := &backup{namespace: namespace}
	workspaces := &identityv1alpha1.WorkspaceList{}
	if err := listAll(ctx, c, namespace, workspaces); err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	for _, w := range workspaces.Items {
		if (workspace == "" || w.Name == workspace) && w.DeletionTimestamp.IsZero() {
			b.workspaces = append(b.workspaces, w)
		}
	}
	if workspace != "" && len(b.workspaces) == 0 {
		return nil, fmt.Errorf("no workspace %s in namespace %s", workspace, namespace)
	}
	inBackup := func(ws string) bool { return workspace == "" || ws == workspace }

	users := &identityv1alpha1.WorkspaceUserList{}
	if err := listAll(ctx, c, namespace, users); err != nil {
		return nil, fmt.Errorf("list workspace users: %w", err)
	}
	for _, u := range users.Items {
		if inBackup(u.Spec.WorkspaceRef.Name) && u.DeletionTimestamp.IsZero() {
			setAnnotation(&u, identityv1alpha1.AnnotationBackendKey, backendkey.Member(&u))
			setAnnotation(&u, identityv1alpha1.AnnotationBackupID, string(u.UID))
			b.users = append(b.users, u)
		}
	}

	groups := &identityv1alpha1.WorkspaceGroupList{}
	if err := listAll(ctx, c, namespace, groups); err != nil {
		return nil, fmt.Errorf("list workspace groups: %w", err)
	}
	groupUIDs := map[string]string{}
	for _, g := range groups.Items {
		if inBackup(g.Spec.WorkspaceRef.Name) && g.DeletionTimestamp.IsZero() {
			setAnnotation(&g, identityv1alpha1.AnnotationBackendKey, backendkey.Group(&g))
			setAnnotation(&g, identityv1alpha1.AnnotationBackupID, string(g.UID))
			b.groups = append(b.groups, g)
			groupUIDs[g.Name] = string(g.UID)
		}
	}

	shards := &identityv1alpha1.WorkspaceGroupMembershipList{}
	if err := listAll(ctx, c, namespace, shards); err != nil {
		return nil, fmt.Errorf("list workspace group memberships: %w", err)
	}
	for _, m := range shards.Items {
		// Only the shards the group reads: owned by the group as it is now.
		uid, ok := groupUIDs[m.Spec.GroupRef.Name]
		if ok && m.DeletionTimestamp.IsZero() && ownedByUID(m.OwnerReferences, uid) {
			b.memberships = append(b.memberships, m)
		}
	}
	return b, nil
}

// listAll lists every object of list's kind in namespace into list, a
// page at a time.
func listAll(ctx context.Context, c client.Client, namespace string, list client.ObjectList) error {
	var items []runtime.Object
	opts := []client.ListOption{client.InNamespace(namespace), client.Limit(500)}
	for {
		page, ok := list.DeepCopyObject().(client.ObjectList)
		if !ok {
			return fmt.Errorf("list %T: not a list", list)
		}
		if err := c.List(ctx, page, opts...); err != nil {
			return err
		}
		objs, err := meta.ExtractList(page)
		if err != nil {
			return err
		}
		items = append(items, objs...)
		if page.GetContinue() == "" {
			return meta.SetList(list, items)
		}
		opts = []client.ListOption{client.InNamespace(namespace), client.Limit(500), client.Continue(page.GetContinue())}
	}
}

func setAnnotation(obj client.Object, key, value string) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	obj.SetAnnotations(a)
}
