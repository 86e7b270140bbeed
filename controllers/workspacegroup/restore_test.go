package workspacegroup_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// exportGroup is what a backup of objects keeps of a group, read back from
// its file: name, namespace, labels, annotations and spec.
func exportGroup(t *testing.T, group *identityv1alpha1.WorkspaceGroup) *identityv1alpha1.WorkspaceGroup {
	t.Helper()
	data, err := json.Marshal(&identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: group.Namespace, Name: group.Name,
			Labels: group.Labels, Annotations: group.Annotations},
		Spec: group.Spec,
	})
	if err != nil {
		t.Fatal(err)
	}
	restored := &identityv1alpha1.WorkspaceGroup{}
	if err := json.Unmarshal(data, restored); err != nil {
		t.Fatal(err)
	}
	return restored
}

// waitBackendGroups waits until the backend holds exactly one group, key,
// with the members memberKeys, and the group's status records key.
func waitBackendGroups(t *testing.T, b interface {
	Groups() []backend.Group
	Memberships(string) []string
}, group *identityv1alpha1.WorkspaceGroup, key string, memberKeys []string) *identityv1alpha1.WorkspaceGroup {
	t.Helper()
	var got *identityv1alpha1.WorkspaceGroup
	NewWithT(t).Eventually(func(g Gomega) {
		keys := []string{}
		for _, bg := range b.Groups() {
			keys = append(keys, bg.Key)
		}
		g.Expect(keys).To(Equal([]string{key}), "the backend's groups")
		g.Expect(b.Memberships(key)).To(Equal(memberKeys))
		got = getGroup(g, group)
		g.Expect(got.Status.GroupKey).To(Equal(key))
		g.Expect(got.Status.Members.Synced).To(Equal(int32(len(memberKeys))))
	}).WithTimeout(timeout).Should(Succeed())
	return got
}

// A group restored from an export (a new UID, no status) keeps its backend
// group: one group, under the original key, with its memberships; a member
// user's key is the user's own (a minted one for a SCIM-created user).
func TestRestoredGroupKeepsItsBackendGroup(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	opener := startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, func(w *identityv1alpha1.Workspace) {
		w.Spec.Deprovisioning = identityv1alpha1.DeprovisionRetain
	})
	claimDomain(t, "restore-"+ns+".test", ws, true)
	ada := userObject(ns, "ada", "ada@restore-"+ns+".test")
	ada.Annotations = map[string]string{identityv1alpha1.AnnotationBackendKey: backendkey.Mint(ns, "acme")}
	g.Expect(env.Client.Create(ctx, ada)).To(Succeed())
	bob := newUser(t, ns, "bob", "bob@restore-"+ns+".test") // made before the key: keyed by its UID
	waitUserSynced(t, ada, bob)
	members := []string{ada.Annotations[identityv1alpha1.AnnotationBackendKey], backendkey.For(ns, "acme", bob.UID)}
	slices.Sort(members)

	key := backendkey.Mint(ns, "acme")
	group := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "eng", Finalizers: []string{identityv1alpha1.GroupFinalizer},
			Labels:      map[string]string{identityv1alpha1.LabelWorkspace: "acme"},
			Annotations: map[string]string{identityv1alpha1.AnnotationBackendKey: key}},
		Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			DisplayName: "Engineering", ExternalID: "ext-eng"},
	}
	g.Expect(env.Client.Create(ctx, group)).To(Succeed())
	changeMembers(t, group, uids(ada, bob), nil, identityv1alpha1.MaxMembersPerMembership)
	b := opener.Backend(ns, "acme")
	original := waitBackendGroups(t, b, group, key, members)

	// The cluster is lost: the group goes (Retain keeps the backend's
	// group), and with it its shards, as the garbage collector would.
	backup := exportGroup(t, original)
	_, shards := shardsOf(t, original)
	g.Expect(env.Client.Delete(ctx, original)).To(Succeed())
	g.Eventually(func(g Gomega) { gone(g, original) }).WithTimeout(timeout).Should(Succeed())
	for _, s := range shards {
		g.Expect(env.Client.Delete(ctx, s)).To(Succeed())
	}

	// Restored from the export, with its members listed again.
	g.Expect(env.Client.Create(ctx, backup)).To(Succeed())
	g.Expect(backup.UID).NotTo(Equal(original.UID))
	changeMembers(t, backup, uids(ada, bob), nil, identityv1alpha1.MaxMembersPerMembership)
	restored := waitBackendGroups(t, b, backup, key, members)
	g.Expect(restored.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, key))
	stored, _ := b.Group(key)
	g.Expect(stored.DisplayName).To(Equal("Engineering"))
}

// A group made before the backend-key annotation gets it once, with the
// key its backend group already has (derived from its UID).
func TestGroupMadeBeforeTheKeyIsAnnotatedWithItsKey(t *testing.T) {
	g := NewWithT(t)
	opener := startControllers(t, 0)
	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns)
	claimDomain(t, "legacy-"+ns+".test", ws, true)
	ada := newUser(t, ns, "ada", "ada@legacy-"+ns+".test")
	group := newGroup(t, ns, "ops", uids(ada), identityv1alpha1.MaxMembersPerMembership)
	derived := backendkey.For(ns, "acme", group.UID)
	got := waitBackendGroups(t, opener.Backend(ns, "acme"), group, derived, []string{backendkey.For(ns, "acme", ada.UID)})
	g.Expect(got.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, derived))
}
