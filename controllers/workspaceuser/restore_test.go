package workspaceuser_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// scimStyle makes a user as the SCIM server creates it: with the member
// finalizer and a minted backend key.
func scimStyle(u *identityv1alpha1.WorkspaceUser) {
	u.Finalizers = []string{identityv1alpha1.MemberFinalizer}
	u.Annotations = map[string]string{identityv1alpha1.AnnotationBackendKey: backendkey.Mint(u.Namespace, u.Spec.WorkspaceRef.Name)}
}

// madeBeforeTheKey makes a user as an older SCIM server created it: with
// the finalizer and no backend key.
func madeBeforeTheKey(u *identityv1alpha1.WorkspaceUser) {
	u.Finalizers = []string{identityv1alpha1.MemberFinalizer}
}

// export is what a backup of objects keeps of a user, read back from its
// file: name, namespace, labels, annotations and spec; no UID, status,
// finalizers or resourceVersion.
func export(t *testing.T, u *identityv1alpha1.WorkspaceUser) *identityv1alpha1.WorkspaceUser {
	t.Helper()
	kept := &identityv1alpha1.WorkspaceUser{
		TypeMeta: metav1.TypeMeta{APIVersion: identityv1alpha1.GroupVersion.String(), Kind: "WorkspaceUser"},
		ObjectMeta: metav1.ObjectMeta{Namespace: u.Namespace, Name: u.Name,
			Labels: u.Labels, Annotations: u.Annotations},
		Spec: u.Spec,
	}
	data, err := json.Marshal(kept)
	if err != nil {
		t.Fatal(err)
	}
	restored := &identityv1alpha1.WorkspaceUser{}
	if err := json.Unmarshal(data, restored); err != nil {
		t.Fatal(err)
	}
	return restored
}

// A user restored from an export (a new UID, no status) keeps its member:
// the backend, the real SQLite driver, holds one row for the person, under
// the original key, active. That holds for a user the SCIM server minted a
// key for and for one made before, once the controller has annotated it.
func TestRestoredUserKeepsItsMember(t *testing.T) {
	startWithRealBackends(t)
	for name, made := range map[string]func(*identityv1alpha1.WorkspaceUser){
		"minted by the SCIM server": scimStyle,
		"made before the key":       madeBeforeTheKey,
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ctx := context.Background()
			ns := testenv.NewNamespace(t, env.Client)
			// Retain: deleting the object, as a lost cluster does, leaves the member.
			ws := newWorkspace(t, ns, "acme", func(w *identityv1alpha1.Workspace) {
				w.Spec.Deprovisioning = identityv1alpha1.DeprovisionRetain
			})
			path := filepath.Join(t.TempDir(), "members.db")
			g.Expect(env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"},
				Data: map[string][]byte{"dsn": []byte("file:" + path)}})).To(Succeed())
			claimDomain(t, "restore.example", ws, true)

			original := waitSynced(t, newUser(t, ns, "ada", "acme", "ada@restore.example", made))
			key := original.Status.MemberKey
			g.Expect(original.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, key))
			db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
			g.Expect(err).NotTo(HaveOccurred())
			t.Cleanup(func() { _ = db.Close() })
			members := func(g Gomega) map[string]bool {
				rows, err := db.Query(`SELECT member_key, active FROM members`)
				g.Expect(err).NotTo(HaveOccurred())
				defer func() { _ = rows.Close() }()
				out := map[string]bool{}
				for rows.Next() {
					var k string
					var active bool
					g.Expect(rows.Scan(&k, &active)).To(Succeed())
					out[k] = active
				}
				g.Expect(rows.Err()).To(Succeed())
				return out
			}
			g.Expect(members(g)).To(Equal(map[string]bool{key: true}))

			backup := export(t, original)
			g.Expect(env.Client.Delete(ctx, original)).To(Succeed())
			g.Eventually(func(g Gomega) { gone(g, original) }).WithTimeout(timeout).Should(Succeed())
			g.Expect(members(g)).To(Equal(map[string]bool{key: true}), "Retain leaves the member")

			g.Expect(env.Client.Create(ctx, backup)).To(Succeed())
			restored := waitSynced(t, backup)
			g.Expect(restored.UID).NotTo(Equal(original.UID), "a restore from an export gives a new UID")
			g.Expect(restored.Status.MemberKey).To(Equal(key))
			g.Expect(members(g)).To(Equal(map[string]bool{key: true}), "one member, the original, active")
		})
	}
}

// metadataWrites counts the writes of WorkspaceUsers themselves (not their
// status) that the controller sends, by user name.
type metadataWrites struct {
	client.Client
	mu     sync.Mutex
	byUser map[string]int
}

func (w *metadataWrites) count(obj client.Object) {
	if _, ok := obj.(*identityv1alpha1.WorkspaceUser); ok {
		w.mu.Lock()
		w.byUser[obj.GetName()]++
		w.mu.Unlock()
	}
}

func (w *metadataWrites) of(name string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byUser[name]
}

func (w *metadataWrites) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	w.count(obj)
	return w.Client.Patch(ctx, obj, patch, opts...)
}

func (w *metadataWrites) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	w.count(obj)
	return w.Client.Update(ctx, obj, opts...)
}

// A user the SCIM server created (finalizer and key in place) costs no
// metadata write; one made before the key gets it once, with the key its
// member already has, and never again.
func TestBackendKeyIsAddedOnlyToUsersWithoutIt(t *testing.T) {
	g := NewWithT(t)
	writes := &metadataWrites{byUser: map[string]int{}}
	mgr, err := env.NewControllerManager(ctrl.Options{NewClient: func(cfg *rest.Config, opts client.Options) (client.Client, error) {
		c, err := client.New(cfg, opts)
		writes.Client = c
		return writes, err
	}})
	g.Expect(err).NotTo(HaveOccurred())
	opener := &fakeOpener{}
	g.Expect((&workspaceuser.Reconciler{Client: mgr.GetClient(), Backends: opener}).
		SetupWithManager(context.Background(), mgr)).To(Succeed())
	testenv.RunManager(t, mgr)

	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	claimDomain(t, "migration.example", ws, true)
	fresh := newUser(t, ns, "fresh", "acme", "fresh@migration.example", scimStyle)
	legacy := newUser(t, ns, "legacy", "acme", "legacy@migration.example", madeBeforeTheKey)
	bare := newUser(t, ns, "bare", "acme", "bare@migration.example") // neither finalizer nor key
	for _, u := range []*identityv1alpha1.WorkspaceUser{fresh, legacy, bare} {
		waitSynced(t, u)
	}
	// A resync of each, asked for by the annotation, writes no metadata either.
	b := opener.backend(ns, "acme")
	observed := b.Calls(fake.OpObserve)
	for _, u := range []*identityv1alpha1.WorkspaceUser{fresh, legacy, bare} {
		update(t, u, func(u *identityv1alpha1.WorkspaceUser) { u.Annotations[identityv1alpha1.AnnotationResync] = "1" })
	}
	g.Eventually(func() int { return b.Calls(fake.OpObserve) }).WithTimeout(timeout).Should(BeNumerically(">=", observed+3))

	got := getUser(g, fresh)
	g.Expect(got.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, fresh.Annotations[identityv1alpha1.AnnotationBackendKey]))
	g.Expect(got.Status.MemberKey).To(Equal(fresh.Annotations[identityv1alpha1.AnnotationBackendKey]), "the minted key is the member's")
	g.Expect(writes.of("fresh")).To(Equal(0), "a SCIM-created user needs no metadata write")

	for _, u := range []*identityv1alpha1.WorkspaceUser{legacy, bare} {
		got := getUser(g, u)
		derived := backendkey.For(ns, "acme", got.UID)
		g.Expect(got.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, derived), u.Name)
		g.Expect(got.Status.MemberKey).To(Equal(derived), "%s keeps the key its member has", u.Name)
		g.Expect(got.Finalizers).To(ContainElement(identityv1alpha1.MemberFinalizer))
		g.Expect(writes.of(u.Name)).To(Equal(1), "%s: one patch adds what it lacks", u.Name)
	}
	g.Expect(b.Members()).To(HaveLen(3))
}
