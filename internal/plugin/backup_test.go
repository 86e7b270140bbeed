package plugin_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
	"github.com/rollcall-dev/rollcall/internal/testenv"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// TestBackupDeleteRestore backs a namespace up, loses everything in it,
// restores it and restores it again: the same users by userName with
// their backend keys, the group with the same members under their new
// SCIM ids, the SCIM server's claims, and nothing written twice.
func TestBackupDeleteRestore(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(ns)
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())
	claims := store.NewClaims(env.Client, env.Client, clock.RealClock{})

	// Users as the SCIM server makes them: ada with the backend-key
	// annotation it will mint, bob from before it (his status records his
	// key), cy not synced yet (his key is derived from his UID).
	adaKey := backendkey.Mint(ns, "acme")
	ada := scimUser(t, claims, ws, "ada-x1", "ada@example.com", map[string]string{identityv1alpha1.AnnotationBackendKey: adaKey})
	bob := scimUser(t, claims, ws, "bob-x2", "bob@example.com", nil)
	bob.Status.MemberKey = backendkey.Prefix(ns, "acme") + "recorded-bob"
	g.Expect(env.Client.Status().Update(ctx, bob)).To(Succeed())
	cy := scimUser(t, claims, ws, "cy-x3", "cy@example.com", nil)
	wantKeys := map[string]string{"ada@example.com": adaKey, "bob@example.com": bob.Status.MemberKey,
		"cy@example.com": backendkey.Member(cy)}
	oldUIDs := map[string]types.UID{"ada@example.com": ada.UID, "bob@example.com": bob.UID, "cy@example.com": cy.UID}

	group := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "engineering-x4", Finalizers: []string{identityv1alpha1.GroupFinalizer},
			Labels: map[string]string{identityv1alpha1.LabelWorkspace: "acme"}},
		Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}, DisplayName: "Engineering"},
	}
	g.Expect(claims.AcquireDisplayName(ctx, ws, group.Spec.DisplayName, group.Name)).To(Succeed())
	g.Expect(env.Client.Create(ctx, group)).To(Succeed())
	oldGroupUID := group.UID
	nobody := string(uuid.NewUUID()) // a member whose user is gone
	writeShards(t, group, []string{string(ada.UID), string(bob.UID), string(cy.UID), nobody})

	// A workspace operator, allowed what the commands' help says they need.
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "backup-operator"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"identity.rollcall.dev"}, Resources: []string{"workspaces", "workspaceusers", "workspacegroups"},
				Verbs: []string{"get", "list", "create"}},
			{APIGroups: []string{"identity.rollcall.dev"}, Resources: []string{"workspacegroupmemberships"},
				Verbs: []string{"list", "create", "update", "delete"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "delete"}},
		},
	}
	g.Expect(env.Client.Create(ctx, role)).To(Succeed())
	g.Expect(testenv.BindRoles(ctx, env.Client, ns, "quinn", role.Name)).To(Succeed())
	kubeconfig := kubeconfigFor(t, "quinn")

	file := filepath.Join(t.TempDir(), "backup.yaml")
	out, err := run(kubeconfig, "backup", "-n", ns, "-o", file)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(Equal("backed up namespace " + ns + " to " + file + ": 1 workspaces, 3 users, 1 groups, 1 membership shards\n"))
	info, err := os.Stat(file)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info.Mode().Perm()).To(Equal(os.FileMode(0o600)), "the file holds people's e-mail addresses")
	data, err := os.ReadFile(file)
	g.Expect(err).NotTo(HaveOccurred())
	t.Logf("the backup:\n%s", data)
	checkBackupFile(g, data, wantKeys, oldUIDs)

	loseNamespace(t, ns)

	out, err = run(kubeconfig, "restore", "-f", file)
	g.Expect(err).NotTo(HaveOccurred(), out)
	t.Logf("kubectl rollcall restore:\n%s", out)
	g.Expect(out).To(HavePrefix("Restoring into namespace " + ns + ":\n"))
	g.Expect(out).To(ContainSubstring("removed      membership shard engineering-x4-m of an earlier workspacegroup engineering-x4 (SCIM id " + string(oldGroupUID) + ")\n"))
	g.Expect(out).To(ContainSubstring("LEFT OUT     member " + nobody + " of workspacegroup engineering-x4: no restored user of its workspace had that SCIM id\n"))
	g.Expect(out).To(ContainSubstring("members      workspacegroup engineering-x4: 3 members, 1 membership shards written\n"))
	g.Expect(out).To(ContainSubstring("Restored: 1 workspaces, 3 users, 1 groups, 1 membership shards written; already there and kept: 0 workspaces, 0 users, 0 groups."))
	g.Expect(out).To(ContainSubstring("Entra ID: Provisioning -> Restart provisioning"))
	g.Expect(out).To(ContainSubstring("1 group members were left out"))
	g.Expect(out).To(ContainSubstring("The operator makes a new SCIM token for each restored Workspace"))

	// The same users by userName, with their backend keys and new SCIM ids.
	users := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(ctx, users, client.InNamespace(ns))).To(Succeed())
	byUID := map[string]string{}
	gotKeys := map[string]string{}
	for _, u := range users.Items {
		gotKeys[u.Spec.UserName] = u.Annotations[identityv1alpha1.AnnotationBackendKey]
		g.Expect(u.UID).NotTo(Equal(oldUIDs[u.Spec.UserName]), "a restored user has a new UID")
		g.Expect(u.Labels).To(HaveKeyWithValue(identityv1alpha1.LabelWorkspace, "acme"))
		byUID[string(u.UID)] = u.Spec.UserName
	}
	g.Expect(gotKeys).To(Equal(wantKeys))

	// The group, with the same members by userName, in shards the group reads.
	restored := &identityv1alpha1.WorkspaceGroup{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(group), restored)).To(Succeed())
	g.Expect(restored.UID).NotTo(Equal(oldGroupUID))
	g.Expect(restored.Spec.DisplayName).To(Equal("Engineering"))
	shards := &identityv1alpha1.WorkspaceGroupMembershipList{}
	g.Expect(env.Client.List(ctx, shards, client.InNamespace(ns))).To(Succeed())
	g.Expect(shards.Items).To(HaveLen(1))
	shard := shards.Items[0]
	g.Expect(shard.Name).To(Equal(groupmembers.ShardName(group.Name, "")))
	g.Expect(shard.Labels).To(Equal(map[string]string{identityv1alpha1.LabelGroup: group.Name, identityv1alpha1.LabelWorkspace: "acme"}))
	g.Expect(shard.OwnerReferences).To(ConsistOf(metav1.OwnerReference{APIVersion: identityv1alpha1.GroupVersion.String(),
		Kind: "WorkspaceGroup", Name: group.Name, UID: restored.UID}))
	var members []string
	for _, id := range shard.Spec.Members {
		members = append(members, byUID[id])
	}
	g.Expect(members).To(ConsistOf("ada@example.com", "bob@example.com", "cy@example.com"))
	g.Expect(sort.StringsAreSorted(shard.Spec.Members)).To(BeTrue())
	out, err = run(kubeconfig, "group", "members", group.Name, "-n", ns)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(HaveSuffix("3 members: 0 let in, 3 pending (3 not synced yet)\n"), "no member is 'no such user'")

	// The claims are the SCIM server's: another user cannot take a
	// restored userName, another group a restored displayName.
	g.Expect(claims.Acquire(ctx, restoredWorkspace(g, ns), "ADA@example.com", "someone-else")).To(MatchError(store.ErrUserNameTaken))
	g.Expect(claims.AcquireDisplayName(ctx, restoredWorkspace(g, ns), "engineering", "another-group")).To(MatchError(store.ErrDisplayNameTaken))
	g.Expect(claims.Acquire(ctx, restoredWorkspace(g, ns), "ada@example.com", ada.Name)).To(Succeed(), "the restored ada holds her claim")

	// Again: nothing changes.
	before := versions(g, ns)
	out, err = run(kubeconfig, "restore", "-f", file, "-n", ns)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("Restored: 0 workspaces, 0 users, 0 groups, 0 membership shards written; already there and kept: 1 workspaces, 3 users, 1 groups."))
	g.Expect(out).To(ContainSubstring("kept         workspaceuser ada-x1 (ada@example.com): exists, SCIM id "))
	g.Expect(out).NotTo(ContainSubstring("Restart provisioning"), "nothing new for the identity provider")
	g.Expect(out).NotTo(ContainSubstring("new SCIM token"))
	g.Expect(versions(g, ns)).To(Equal(before))

	// A member the live group lost since is added back; one it has that
	// the backup has not stays.
	newcomer := string(uuid.NewUUID())
	live := &identityv1alpha1.WorkspaceGroupMembership{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(&shard), live)).To(Succeed())
	live.Spec.Members = []string{live.Spec.Members[0], newcomer}
	sort.Strings(live.Spec.Members)
	g.Expect(env.Client.Update(ctx, live)).To(Succeed())
	out, err = run(kubeconfig, "restore", "-f", file, "-n", ns)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("members      workspacegroup engineering-x4: 3 members, 1 membership shards written\n"))
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(&shard), live)).To(Succeed())
	g.Expect(live.Spec.Members).To(ConsistOf(append(slices.Clone(shard.Spec.Members), newcomer)))
	before = versions(g, ns)

	// Into another namespace (-n): the same translation, to that
	// namespace's new users.
	other := testenv.NewNamespace(t, env.Client)
	otherRole := role.DeepCopy()
	otherRole.Namespace, otherRole.ResourceVersion, otherRole.UID = other, "", ""
	g.Expect(env.Client.Create(ctx, otherRole)).To(Succeed())
	g.Expect(testenv.BindRoles(ctx, env.Client, other, "quinn", role.Name)).To(Succeed())
	out, err = run(kubeconfig, "restore", "-f", file, "-n", other)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("Restored: 1 workspaces, 3 users, 1 groups, 1 membership shards written;"))
	// A backend key names its namespace: in another namespace the same ids
	// are keys of that namespace, which the member backend has not seen.
	g.Expect(out).To(ContainSubstring("4 users and groups were backed up in namespace " + ns + ": a backend key names"))
	moved := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(ctx, moved, client.InNamespace(other))).To(Succeed())
	movedKeys := map[string]string{}
	for _, u := range moved.Items {
		movedKeys[u.Spec.UserName] = u.Annotations[identityv1alpha1.AnnotationBackendKey]
	}
	for userName, key := range wantKeys {
		id, ok := backendkey.ID(key, ns, "acme")
		g.Expect(ok).To(BeTrue(), key)
		g.Expect(movedKeys).To(HaveKeyWithValue(userName, backendkey.Prefix(other, "acme")+id))
	}
	out, err = run(kubeconfig, "group", "members", group.Name, "-n", other)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(MatchRegexp(`(?m)^ada@example\.com\s`))
	g.Expect(out).To(HaveSuffix("3 members: 0 let in, 3 pending (3 not synced yet)\n"))
	g.Expect(versions(g, ns)).To(Equal(before), "the first namespace is left alone")
}

// TestRestoreRefusesWhatItCannotRestore: bad files get a clear error and
// write nothing; a userName another user holds is reported, not doubled.
func TestRestoreRefusesWhatItCannotRestore(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	root, err := writeKubeconfigWithGroups("restore-root", []string{"system:masters"}, t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		g.Expect(os.WriteFile(path, []byte(text), 0o600)).To(Succeed())
		return path
	}

	_, err = run(root, "restore")
	g.Expect(err).To(MatchError("name the backup file: kubectl rollcall restore -f FILE"))
	_, err = run(root, "restore", "-f", write("secret.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s, namespace: "+ns+"}\n"))
	g.Expect(err).To(MatchError(ContainSubstring("item 0 of the backup is a v1 Secret: a backup holds only identity.rollcall.dev/v1alpha1 objects")))
	_, err = run(root, "restore", "-f", write("typo.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: identity.rollcall.dev/v1alpha1\n  kind: WorkspaceUser\n  metadata: {name: u, namespace: "+ns+"}\n  spec: {userNmae: x}\n"))
	g.Expect(err).To(MatchError(ContainSubstring(`read item 0 of the backup (WorkspaceUser): json: unknown field "userNmae"`)))
	_, err = run(root, "backup", "-n", ns, "--workspace", "nope")
	g.Expect(err).To(MatchError("no workspace nope in namespace " + ns))

	// A backup of one user, restored where another user holds the userName.
	ws := newWorkspace(ns)
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())
	claims := store.NewClaims(env.Client, env.Client, clock.RealClock{})
	scimUser(t, claims, ws, "eve-x1", "eve@example.com", nil)
	beta := newWorkspace(ns)
	beta.Name = "beta"
	g.Expect(env.Client.Create(ctx, beta)).To(Succeed())
	scimUser(t, claims, beta, "fay-x1", "fay@example.com", nil)
	file := filepath.Join(dir, "backup.yaml")
	out, err := run(root, "backup", "-n", ns, "--workspace", "acme", "-o", file)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(HaveSuffix(": 1 workspaces, 1 users, 0 groups, 0 membership shards\n"), "only workspace acme")
	data, err := os.ReadFile(file)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).NotTo(ContainSubstring("fay@example.com"))
	g.Expect(string(data)).NotTo(ContainSubstring("name: beta"))
	loseNamespace(t, ns)
	g.Expect(env.Client.Create(ctx, newWorkspace(ns))).To(Succeed())
	scimUser(t, claims, restoredWorkspace(g, ns), "eve-y9", "Eve@example.com", nil) // provisioned again before the restore
	out, err = run(root, "restore", "-f", file)
	g.Expect(err).To(MatchError("1 objects of the backup were not restored (see above)"), out)
	g.Expect(out).To(ContainSubstring(`NOT RESTORED workspaceuser eve-x1: userName "eve@example.com" is taken by another user of workspace acme`))
	users := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(ctx, users, client.InNamespace(ns))).To(Succeed())
	g.Expect(users.Items).To(HaveLen(1))
	g.Expect(users.Items[0].Name).To(Equal("eve-y9"))
}

// scimUser creates a user as the SCIM server does: its userName claimed
// first, its workspace label and member finalizer set.
func scimUser(t *testing.T, claims *store.Claims, ws *identityv1alpha1.Workspace, name, userName string, annotations map[string]string) *identityv1alpha1.WorkspaceUser {
	t.Helper()
	g := NewWithT(t)
	g.Expect(claims.Acquire(context.Background(), ws, userName, name)).To(Succeed())
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ws.Namespace, Name: name, Annotations: annotations,
			Labels:     map[string]string{identityv1alpha1.LabelWorkspace: ws.Name},
			Finalizers: []string{identityv1alpha1.MemberFinalizer}},
		Spec: identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: ws.Name},
			UserName: userName, Emails: []identityv1alpha1.Email{{Value: userName, Primary: true}}},
	}
	g.Expect(env.Client.Create(context.Background(), u)).To(Succeed())
	return u
}

// writeShards writes a group's members as the SCIM server does.
func writeShards(t *testing.T, group *identityv1alpha1.WorkspaceGroup, ids []string) {
	t.Helper()
	for _, w := range groupmembers.Plan(groupmembers.Shards{}, ids, nil, identityv1alpha1.MaxMembersPerMembership) {
		m := &identityv1alpha1.WorkspaceGroupMembership{
			ObjectMeta: metav1.ObjectMeta{Namespace: group.Namespace, Name: groupmembers.ShardName(group.Name, w.Prefix),
				Labels: map[string]string{identityv1alpha1.LabelGroup: group.Name, identityv1alpha1.LabelWorkspace: group.Spec.WorkspaceRef.Name},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: identityv1alpha1.GroupVersion.String(), Kind: "WorkspaceGroup",
					Name: group.Name, UID: group.UID}}},
			Spec: identityv1alpha1.WorkspaceGroupMembershipSpec{GroupRef: identityv1alpha1.GroupReference{Name: group.Name},
				HashPrefix: w.Prefix, Members: w.Members},
		}
		NewWithT(t).Expect(env.Client.Create(context.Background(), m)).To(Succeed())
	}
}

// checkBackupFile checks what the file holds: the four kinds, nothing the
// cluster sets, each user's backend key and SCIM id.
func checkBackupFile(g Gomega, data []byte, wantKeys map[string]string, oldUIDs map[string]types.UID) {
	var list struct {
		APIVersion, Kind string
		Items            []map[string]any
	}
	g.Expect(yaml.Unmarshal(data, &list)).To(Succeed())
	g.Expect(list.Kind).To(Equal("List"))
	var kinds []string
	for _, item := range list.Items {
		kinds = append(kinds, item["kind"].(string))
		g.Expect(item).NotTo(HaveKey("status"))
		md := item["metadata"].(map[string]any)
		for _, field := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers"} {
			g.Expect(md).NotTo(HaveKey(field), "%s %s", item["kind"], md["name"])
		}
		if item["kind"] == "WorkspaceUser" {
			userName := item["spec"].(map[string]any)["userName"].(string)
			g.Expect(md["annotations"]).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, wantKeys[userName]))
			g.Expect(md["annotations"]).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackupID, string(oldUIDs[userName])))
		}
		if item["kind"] == "WorkspaceGroup" {
			g.Expect(md["annotations"]).To(HaveKey(identityv1alpha1.AnnotationBackendKey))
			g.Expect(md["annotations"]).To(HaveKey(identityv1alpha1.AnnotationBackupID))
		}
	}
	g.Expect(kinds).To(Equal([]string{"Workspace", "WorkspaceUser", "WorkspaceUser", "WorkspaceUser", "WorkspaceGroup", "WorkspaceGroupMembership"}))
}

// loseNamespace deletes the namespace's Workspaces, users, groups and
// claims, as a lost namespace would. No controllers run here: the
// finalizers are taken off, and the claims (owned by the Workspace, which
// the garbage collector would remove) deleted. The membership shards stay,
// as they do until the garbage collector sees their group gone.
func loseNamespace(t *testing.T, ns string) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	for _, list := range []client.ObjectList{&identityv1alpha1.WorkspaceUserList{}, &identityv1alpha1.WorkspaceGroupList{}} {
		g.Expect(env.Client.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		objs := []client.Object{}
		switch l := list.(type) {
		case *identityv1alpha1.WorkspaceUserList:
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		case *identityv1alpha1.WorkspaceGroupList:
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		}
		for _, o := range objs {
			o.SetFinalizers(nil)
			g.Expect(env.Client.Update(ctx, o)).To(Succeed())
			g.Expect(client.IgnoreNotFound(env.Client.Delete(ctx, o))).To(Succeed())
		}
	}
	g.Expect(env.Client.DeleteAllOf(ctx, &identityv1alpha1.Workspace{}, client.InNamespace(ns))).To(Succeed())
	g.Expect(env.Client.DeleteAllOf(ctx, &coordinationv1.Lease{}, client.InNamespace(ns), client.HasLabels{store.LabelClaim})).To(Succeed())
	g.Eventually(func(g Gomega) {
		ws := &identityv1alpha1.WorkspaceList{}
		g.Expect(env.Client.List(ctx, ws, client.InNamespace(ns))).To(Succeed())
		g.Expect(ws.Items).To(BeEmpty())
		users := &identityv1alpha1.WorkspaceUserList{}
		g.Expect(env.Client.List(ctx, users, client.InNamespace(ns))).To(Succeed())
		g.Expect(users.Items).To(BeEmpty())
		groups := &identityv1alpha1.WorkspaceGroupList{}
		g.Expect(env.Client.List(ctx, groups, client.InNamespace(ns))).To(Succeed())
		g.Expect(groups.Items).To(BeEmpty())
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func restoredWorkspace(g Gomega, ns string) *identityv1alpha1.Workspace {
	ws := &identityv1alpha1.Workspace{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "acme"}, ws)).To(Succeed())
	return ws
}

// versions is the resourceVersion of every object a restore writes in ns.
func versions(g Gomega, ns string) map[string]string {
	out := map[string]string{}
	lists := map[string]client.ObjectList{"workspace": &identityv1alpha1.WorkspaceList{}, "user": &identityv1alpha1.WorkspaceUserList{},
		"group": &identityv1alpha1.WorkspaceGroupList{}, "shard": &identityv1alpha1.WorkspaceGroupMembershipList{},
		"lease": &coordinationv1.LeaseList{}}
	for kind, list := range lists {
		g.Expect(env.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
		items, err := meta.ExtractList(list)
		g.Expect(err).NotTo(HaveOccurred())
		for _, item := range items {
			o := item.(client.Object)
			out[kind+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	return out
}
