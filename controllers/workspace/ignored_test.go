package workspace_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// The names the SCIM server records on users (AnnotationIgnoredAttributes)
// are listed on the Workspace, each reported once by a Warning event, and
// leave the list when no user carries them any more.
func TestWorkspaceListsIgnoredAttributes(t *testing.T) {
	g := NewWithT(t)
	startWithBackends(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)
	g.Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"},
		Data:       map[string][]byte{"dsn": []byte("file:" + filepath.Join(t.TempDir(), "members.db"))},
	})).To(Succeed())
	ws := sqliteWorkspace(ns, "acme")
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())

	ada := user(ns, "ada", "ada@example.com", true)
	ada.Annotations = map[string]string{identityv1alpha1.AnnotationIgnoredAttributes: "adreses,urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode"}
	bob := user(ns, "bob", "bob@example.com", true)
	bob.Annotations = map[string]string{identityv1alpha1.AnnotationIgnoredAttributes: "adreses"}
	g.Expect(env.Client.Create(ctx, ada)).To(Succeed())
	g.Expect(env.Client.Create(ctx, bob)).To(Succeed())

	want := []string{"adreses", "urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode"}
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(got.Status.IgnoredAttributes).To(Equal(want))
		g.Expect(got.Status.Users).NotTo(BeNil())
		g.Expect(got.Status.Users.Total).To(BeNumerically("==", 2), "the counts are written beside the names")
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(warningsAbout(g, ns, "acme")).To(ConsistOf(
			ContainSubstring(`"adreses"`), ContainSubstring(`"urn:ietf:params:scim:schemas:extension:acme:2.0:User:costCode"`)))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	change := func(u *identityv1alpha1.WorkspaceUser, edit func(*identityv1alpha1.WorkspaceUser)) {
		g.Eventually(func() error { // the user controller writes the users too
			cur := &identityv1alpha1.WorkspaceUser{}
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(u), cur); err != nil {
				return err
			}
			edit(cur)
			return env.Client.Update(ctx, cur)
		}).WithTimeout(5 * time.Second).Should(Succeed())
	}
	// A change of a user that keeps the names reports nothing new.
	change(bob, func(u *identityv1alpha1.WorkspaceUser) { u.Spec.DisplayName = "Bob" })
	// The admin fixes the mapping: the next PUT of each user clears its names.
	for _, u := range []*identityv1alpha1.WorkspaceUser{ada, bob} {
		change(u, func(u *identityv1alpha1.WorkspaceUser) {
			u.Annotations[identityv1alpha1.AnnotationIgnoredAttributes] = ""
		})
	}
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(got.Status.IgnoredAttributes).To(BeEmpty())
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Consistently(func(g Gomega) {
		g.Expect(warningsAbout(g, ns, "acme")).To(HaveLen(2), "one event per name")
	}).WithTimeout(time.Second).Should(Succeed())
}

func TestIgnoredAttributesAreBounded(t *testing.T) {
	var users []identityv1alpha1.WorkspaceUser
	for i := range 40 {
		u := identityv1alpha1.WorkspaceUser{}
		u.Annotations = map[string]string{identityv1alpha1.AnnotationIgnoredAttributes: "attr" + string(rune('A'+i)) + ", shared"}
		users = append(users, u)
	}
	got := workspace.IgnoredAttributes(users)
	if len(got) != workspace.MaxIgnoredAttributes || got[0] != "attrA" {
		t.Errorf("IgnoredAttributes = %q: want the first %d names, sorted", got, workspace.MaxIgnoredAttributes)
	}
}

// warningsAbout returns the notes of the Warning events about a workspace.
func warningsAbout(g Gomega, ns, name string) []string {
	list := &eventsv1.EventList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Regarding.Kind == "Workspace" && e.Type == corev1.EventTypeWarning &&
			e.Reason == identityv1alpha1.ReasonUnknownAttributeIgnored {
			out = append(out, e.Note)
		}
	}
	return out
}
