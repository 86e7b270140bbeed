package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

func newRestoreCommand(k *kube, streams genericiooptions.IOStreams) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "restore -f FILE",
		Short: "Create the Workspaces, users, groups and memberships of a backup, with memberships translated to the new SCIM ids",
		Long: "Create what a \"kubectl rollcall backup\" file holds, in its namespace or the one -n names: the " +
			"Workspaces, then the users and groups (each with the userName or displayName claim the SCIM server " +
			"would have made), then each group's membership shards, with the members' SCIM ids translated from " +
			"their ids at backup time to the restored users' new UIDs. An object that exists already is kept as " +
			"it is, so running restore again changes nothing. A member that is not in the backup is reported and " +
			"left out. A shard an earlier group of the same name left behind (the garbage collector removes those " +
			"in time) is removed first. Needs get and create on workspaces, workspaceusers and workspacegroups, " +
			"list, create, update and delete on workspacegroupmemberships, and get, create and delete on leases " +
			"in the namespace.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return errors.New("name the backup file: kubectl rollcall restore -f FILE")
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("read the backup: %w", err)
			}
			b, err := readBackupFile(data)
			if err != nil {
				return err
			}
			ns := b.namespace
			if k.flags.Namespace != nil && *k.flags.Namespace != "" {
				ns = *k.flags.Namespace
			}
			if ns == "" { // a backup with no objects
				if ns, err = k.namespace(); err != nil {
					return err
				}
			}
			c, err := k.bulkClient()
			if err != nil {
				return err
			}
			r := &restorer{c: c, claims: store.NewClaims(c, c, clock.RealClock{}), from: b.namespace, namespace: ns, out: streams.Out}
			return r.run(cmd.Context(), b)
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "The backup file, as kubectl rollcall backup wrote it.")
	return cmd
}

// restorer is one run of restore.
type restorer struct {
	c      client.Client
	claims *store.Claims
	// from is the namespace the backup was taken in; namespace, the one
	// restored into.
	from, namespace string
	out             io.Writer
	// rekeyed counts the users and groups whose backend key moved with
	// them to another namespace.
	rekeyed int

	workspaces map[string]*identityv1alpha1.Workspace
	// ids maps a user's SCIM id at backup time to its user now.
	ids map[string]restoredID
	// groups are the groups restored or found, by name.
	groups map[string]*identityv1alpha1.WorkspaceGroup
	// liveUsers and liveGroups are the namespace's users and groups before
	// the restore, by name: one list rather than a read per object.
	liveUsers  map[string]*identityv1alpha1.WorkspaceUser
	liveGroups map[string]*identityv1alpha1.WorkspaceGroup
	// notRestored counts the objects restore could not create.
	notRestored   int
	created, kept map[string]int
}

// restoredID is a user of the backup as it is now.
type restoredID struct {
	workspace, uid, userName string
}

func (r *restorer) run(ctx context.Context, b *backup) error {
	r.workspaces = map[string]*identityv1alpha1.Workspace{}
	r.ids = map[string]restoredID{}
	r.groups = map[string]*identityv1alpha1.WorkspaceGroup{}
	r.created, r.kept = map[string]int{}, map[string]int{}
	if err := r.readLive(ctx); err != nil {
		return err
	}
	r.printf("Restoring into namespace %s:\n", r.namespace)
	for i := range b.workspaces {
		if err := r.workspace(ctx, &b.workspaces[i]); err != nil {
			return err
		}
	}
	for i := range b.users {
		if err := r.user(ctx, &b.users[i]); err != nil {
			return err
		}
	}
	for i := range b.groups {
		if err := r.group(ctx, &b.groups[i]); err != nil {
			return err
		}
	}
	left, err := r.memberships(ctx, b)
	if err != nil {
		return err
	}
	r.printf("\n%s\n", r.summary())
	r.printNextSteps()
	if left > 0 {
		r.printf("\n%d group members were left out: their users are not in the backup or were not restored (see above).\n", left)
	}
	if r.notRestored > 0 {
		return fmt.Errorf("%d objects of the backup were not restored (see above)", r.notRestored)
	}
	return nil
}

func (r *restorer) printf(format string, args ...any) { _, _ = fmt.Fprintf(r.out, format, args...) }

func (r *restorer) print(s string) { _, _ = io.WriteString(r.out, s) }

func (r *restorer) summary() string {
	return fmt.Sprintf("Restored: %d workspaces, %d users, %d groups, %d membership shards written; "+
		"already there and kept: %d workspaces, %d users, %d groups.",
		r.created[kindWorkspace], r.created[kindUser], r.created[kindGroup], r.created[kindWorkspaceGroupMembership],
		r.kept[kindWorkspace], r.kept[kindUser], r.kept[kindGroup])
}

// printNextSteps says what the identity provider's operator does next.
func (r *restorer) printNextSteps() {
	if r.created[kindUser] > 0 || r.created[kindGroup] > 0 {
		r.print("\nThe restored users and groups have new SCIM ids: the ids the identity provider cached answer 404.\n" +
			"Next, in the identity provider:\n" +
			"  Entra ID: Provisioning -> Restart provisioning. Its next cycle matches users by userName and groups by\n" +
			"    displayName, finds the restored ones and caches their new ids.\n" +
			"  Okta: Assignments -> Provision User, and Push Groups -> push each group again, so that Okta looks\n" +
			"    them up by userName and displayName again.\n")
	}
	if r.rekeyed > 0 {
		r.printf("\n%d users and groups were backed up in namespace %s: a backend key names its workspace's namespace,\n"+
			"so theirs now name %s, and the member backend sees them as new members and groups. Deprovision the\n"+
			"old ones with the workspace of %s, or restore into %s to keep them.\n", r.rekeyed, r.from, r.namespace, r.from, r.from)
	}
	if r.created[kindWorkspace] > 0 {
		r.print("\nThe operator makes a new SCIM token for each restored Workspace: give it to the identity provider\n" +
			"(kubectl rollcall workspace token NAME -n " + r.namespace + "), unless you restore the token Secret yourself.\n")
	}
}

// workspace creates w unless a Workspace of its name exists.
func (r *restorer) workspace(ctx context.Context, w *identityv1alpha1.Workspace) error {
	obj := w.DeepCopy()
	obj.Namespace = r.namespace
	live, created, err := createOrGet(ctx, r.c, obj, &identityv1alpha1.Workspace{})
	if err != nil {
		return fmt.Errorf("restore workspace %s: %w", w.Name, err)
	}
	r.workspaces[w.Name] = live
	r.note(kindWorkspace, created, "workspace %s", w.Name)
	return nil
}

// user creates u, with its userName claim, unless a user of its name
// exists, and records its new SCIM id.
func (r *restorer) user(ctx context.Context, u *identityv1alpha1.WorkspaceUser) error {
	oldID := u.Annotations[identityv1alpha1.AnnotationBackupID]
	ws, ok := r.workspaces[u.Spec.WorkspaceRef.Name]
	if !ok {
		return r.skip("workspaceuser %s: its workspace %s is not in the backup", u.Name, u.Spec.WorkspaceRef.Name)
	}
	live, exists := r.liveUsers[u.Name]
	if !exists {
		// Claim the userName first, as the SCIM server does: its replicas
		// rely on the claim, not only on their caches, to keep it unique.
		if err := r.claims.Acquire(ctx, ws, u.Spec.UserName, u.Name); err != nil {
			if errors.Is(err, store.ErrUserNameTaken) {
				return r.skip("workspaceuser %s: userName %q is taken by another user of workspace %s", u.Name, u.Spec.UserName, ws.Name)
			}
			return fmt.Errorf("restore workspaceuser %s: %w", u.Name, err)
		}
		live = u.DeepCopy()
		live.Namespace = r.namespace
		r.rekey(live, ws.Name)
		var err error
		if exists, err = r.createClaimed(ctx, live, func() error {
			return r.claims.Release(ctx, store.Workspace{Namespace: r.namespace, Name: ws.Name}, u.Spec.UserName, u.Name)
		}); err != nil {
			return fmt.Errorf("restore workspaceuser %s: %w", u.Name, err)
		}
		if !exists {
			r.note(kindUser, true, "workspaceuser %s (%s): SCIM id %s (was %s)", u.Name, u.Spec.UserName, live.UID, dash(oldID))
		}
	}
	if exists {
		if live.Spec.WorkspaceRef.Name != ws.Name {
			return r.skip("workspaceuser %s: a user of that name exists in workspace %s", u.Name, live.Spec.WorkspaceRef.Name)
		}
		r.note(kindUser, false, "workspaceuser %s (%s): exists, SCIM id %s", u.Name, live.Spec.UserName, live.UID)
	}
	if oldID != "" {
		r.ids[oldID] = restoredID{workspace: ws.Name, uid: string(live.UID), userName: live.Spec.UserName}
	}
	return nil
}

// createClaimed creates obj, whose userName or displayName is claimed for
// it. An object of its name made since the list is read into obj instead
// (existed); any other failure gives the claim up with release.
func (r *restorer) createClaimed(ctx context.Context, obj client.Object, release func() error) (existed bool, err error) {
	err = r.c.Create(ctx, obj)
	switch {
	case err == nil:
		return false, nil
	case apierrors.IsAlreadyExists(err):
		return true, r.c.Get(ctx, client.ObjectKeyFromObject(obj), obj)
	default:
		_ = release()
		return false, err
	}
}

// rekey gives obj, restored into another namespace than its backup's, the
// backend key of the same id in its new namespace: the admission policy
// (config/policies/backend-key.yaml) admits only keys of the object's own
// namespace and workspace, so that no workspace takes over another's
// members.
func (r *restorer) rekey(obj client.Object, workspace string) {
	if r.from == "" || r.from == r.namespace {
		return
	}
	if id, ok := backendkey.ID(backendkey.Annotated(obj), r.from, workspace); ok {
		setAnnotation(obj, identityv1alpha1.AnnotationBackendKey, backendkey.Prefix(r.namespace, workspace)+id)
		r.rekeyed++
	}
}

// group creates g, with its displayName claim, unless a group of its name
// exists.
func (r *restorer) group(ctx context.Context, g *identityv1alpha1.WorkspaceGroup) error {
	ws, ok := r.workspaces[g.Spec.WorkspaceRef.Name]
	if !ok {
		return r.skip("workspacegroup %s: its workspace %s is not in the backup", g.Name, g.Spec.WorkspaceRef.Name)
	}
	live, exists := r.liveGroups[g.Name]
	if !exists {
		if err := r.claims.AcquireDisplayName(ctx, ws, g.Spec.DisplayName, g.Name); err != nil {
			if errors.Is(err, store.ErrDisplayNameTaken) {
				return r.skip("workspacegroup %s: displayName %q is taken by another group of workspace %s", g.Name, g.Spec.DisplayName, ws.Name)
			}
			return fmt.Errorf("restore workspacegroup %s: %w", g.Name, err)
		}
		live = g.DeepCopy()
		live.Namespace = r.namespace
		r.rekey(live, ws.Name)
		var err error
		if exists, err = r.createClaimed(ctx, live, func() error {
			return r.claims.ReleaseDisplayName(ctx, store.Workspace{Namespace: r.namespace, Name: ws.Name}, g.Spec.DisplayName, g.Name)
		}); err != nil {
			return fmt.Errorf("restore workspacegroup %s: %w", g.Name, err)
		}
		if !exists {
			r.note(kindGroup, true, "workspacegroup %s (%s): SCIM id %s (was %s)", g.Name, g.Spec.DisplayName, live.UID,
				dash(g.Annotations[identityv1alpha1.AnnotationBackupID]))
		}
	}
	if exists {
		if live.Spec.WorkspaceRef.Name != ws.Name {
			return r.skip("workspacegroup %s: a group of that name exists in workspace %s", g.Name, live.Spec.WorkspaceRef.Name)
		}
		r.note(kindGroup, false, "workspacegroup %s (%s): exists, SCIM id %s", g.Name, live.Spec.DisplayName, live.UID)
	}
	r.groups[g.Name] = live
	return nil
}

// readLive lists the namespace's users and groups.
func (r *restorer) readLive(ctx context.Context) error {
	users := &identityv1alpha1.WorkspaceUserList{}
	if err := listAll(ctx, r.c, r.namespace, users); err != nil {
		return fmt.Errorf("list workspace users: %w", err)
	}
	r.liveUsers = make(map[string]*identityv1alpha1.WorkspaceUser, len(users.Items))
	for i := range users.Items {
		r.liveUsers[users.Items[i].Name] = &users.Items[i]
	}
	groups := &identityv1alpha1.WorkspaceGroupList{}
	if err := listAll(ctx, r.c, r.namespace, groups); err != nil {
		return fmt.Errorf("list workspace groups: %w", err)
	}
	r.liveGroups = make(map[string]*identityv1alpha1.WorkspaceGroup, len(groups.Items))
	for i := range groups.Items {
		r.liveGroups[groups.Items[i].Name] = &groups.Items[i]
	}
	return nil
}

// note prints one restored or kept object.
func (r *restorer) note(kind string, created bool, format string, args ...any) {
	what := "kept"
	if created {
		what = "created"
		r.created[kind]++
	} else {
		r.kept[kind]++
	}
	r.printf("  %-12s %s\n", what, fmt.Sprintf(format, args...))
}

// skip reports an object that is not restored and goes on with the next.
func (r *restorer) skip(format string, args ...any) error {
	r.notRestored++
	r.printf("  NOT RESTORED %s\n", fmt.Sprintf(format, args...))
	return nil
}

// createOrGet creates obj, or reads the object of its name into live when
// it exists; created says which.
func createOrGet[T client.Object](ctx context.Context, c client.Client, obj, live T) (T, bool, error) {
	err := c.Create(ctx, obj)
	if err == nil {
		return obj, true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return live, false, err
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		return live, false, err
	}
	return live, false, nil
}
