package scimserver_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
)

// userWrites wraps the client a replica writes with: it records the
// outcome of every write of a WorkspaceUser the server sends ("patch ok",
// "patch invalid", "delete conflict", ...), and runs before, when set, just
// before such a write is sent.
type userWrites struct {
	client.Client
	mu       sync.Mutex
	outcomes []string
	before   func(verb string, u *identityv1alpha1.WorkspaceUser)
}

// startRecordedReplica is startReplica with the server's WorkspaceUser
// writes recorded.
func startRecordedReplica(t *testing.T) (*replica, *userWrites) {
	t.Helper()
	w := &userWrites{}
	r := startReplicaWith(t, ctrl.Options{NewClient: func(cfg *rest.Config, opts client.Options) (client.Client, error) {
		c, err := client.New(cfg, opts)
		w.Client = c
		return w, err
	}})
	return r, w
}

func (w *userWrites) setBefore(fn func(verb string, u *identityv1alpha1.WorkspaceUser)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.before = fn
}

// take returns the outcomes recorded since the last take.
func (w *userWrites) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.outcomes
	w.outcomes = nil
	return out
}

func (w *userWrites) around(verb string, obj client.Object, write func() error) error {
	u, ok := obj.(*identityv1alpha1.WorkspaceUser)
	if !ok {
		return write()
	}
	w.mu.Lock()
	before := w.before
	w.mu.Unlock()
	if before != nil {
		before(verb, u)
	}
	err := write()
	outcome := "ok"
	switch {
	case err == nil:
	case apierrors.IsConflict(err):
		outcome = "conflict"
	case apierrors.IsInvalid(err):
		outcome = "invalid"
	default:
		outcome = "error"
	}
	w.mu.Lock()
	w.outcomes = append(w.outcomes, verb+" "+outcome)
	w.mu.Unlock()
	return err
}

func (w *userWrites) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return w.around("patch", obj, func() error { return w.Client.Patch(ctx, obj, patch, opts...) })
}

func (w *userWrites) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	return w.around("update", obj, func() error { return w.Client.Update(ctx, obj, opts...) })
}

func (w *userWrites) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	return w.around("delete", obj, func() error { return w.Client.Delete(ctx, obj, opts...) })
}

// writeStatus applies a status to the WorkspaceUser with SCIM id id as the
// user controller does (server-side apply on the status subresource), and
// checks that it moved the resourceVersion but not the generation.
func writeStatus(t *testing.T, tn *tenant, id string, n int) {
	t.Helper()
	g := NewWithT(t)
	before := tn.stored(id)
	g.Expect(before).NotTo(BeNil())
	status := ac.WorkspaceUserStatus().WithObservedGeneration(before.Generation).WithMemberKey(fmt.Sprintf("member-%d", n)).
		WithConditions(metav1ac.Condition().WithType("Synced").WithStatus("True").WithReason("Synced").
			WithMessage(fmt.Sprintf("sync %d", n)).WithObservedGeneration(before.Generation).WithLastTransitionTime(metav1.Now()))
	g.Expect(env.Client.Status().Apply(context.Background(), ac.WorkspaceUser(before.Name, before.Namespace).WithStatus(status),
		client.FieldOwner("test-user-controller"), client.ForceOwnership)).To(Succeed())
	after := tn.stored(id)
	g.Expect(after.ResourceVersion).NotTo(Equal(before.ResourceVersion), "the status write is a write")
	g.Expect(after.Generation).To(Equal(before.Generation), "a status write leaves the generation")
}

// An Entra cycle with the user controller's status writes in between: the
// PATCH and the PUT after them are one write each, with no 409 and no
// retry, whether the status was written before the server read the user or
// between its read and its write.
func TestWritesAfterAStatusWriteDoNotConflict(t *testing.T) {
	g := NewWithT(t)
	r, writes := startRecordedReplica(t)
	tn := newTenant(t, r)
	name := "status-race@example.com"
	g.Expect(tn.do("GET", filterPath(`userName eq "`+name+`"`), nil).status).To(Equal(http.StatusOK))
	created := tn.do("POST", "/Users", user(name))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	g.Expect(tn.do("GET", "/Users/"+id, nil).status).To(Equal(http.StatusOK))
	writes.take()

	writeStatus(t, tn, id, 1)
	manager := map[string]any{"Operations": []any{map[string]any{"op": "add",
		"path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "mgr-1"}}}
	patched := tn.do("PATCH", "/Users/"+id, manager)
	g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
	g.Expect(writes.take()).To(Equal([]string{"patch ok"}), "one write, no retry")
	g.Expect(tn.stored(id).Spec.Enterprise.Manager.Value).To(Equal("mgr-1"))
	g.Expect(tn.stored(id).Status.MemberKey).To(Equal("member-1"), "the SCIM write leaves the status")

	// The status written between the server's read and its write.
	n := 1
	writes.setBefore(func(verb string, _ *identityv1alpha1.WorkspaceUser) {
		n++
		writeStatus(t, tn, id, n)
	})
	title := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Engineer"}}})
	g.Expect(title.status).To(Equal(http.StatusOK), title.String())
	g.Expect(writes.take()).To(Equal([]string{"patch ok"}), "one write, no retry")
	body := user(name)
	body["displayName"] = "Put"
	put := tn.do("PUT", "/Users/"+id, body)
	g.Expect(put.status).To(Equal(http.StatusOK), put.String())
	g.Expect(writes.take()).To(Equal([]string{"patch ok"}), "one write, no retry")
	writes.setBefore(nil)

	stored := tn.stored(id)
	g.Expect(stored.Spec.DisplayName).To(Equal("Put"))
	g.Expect(stored.Status.MemberKey).To(Equal(fmt.Sprintf("member-%d", n)))
	g.Expect(stored.Generation).To(BeNumerically("==", 4), "created, then three spec writes")
	g.Expect(put.header.Get("ETag")).To(Equal(`W/"4"`), "meta.version is the generation")
	g.Expect(put.body["meta"].(map[string]any)["version"]).To(Equal(`W/"4"`))
	g.Expect(put.body["meta"].(map[string]any)["lastModified"]).NotTo(BeEmpty())
	g.Expect(stored.Finalizers).To(ContainElement(identityv1alpha1.MemberFinalizer), "the SCIM write leaves the finalizers")
	g.Expect(stored.Labels).To(HaveKeyWithValue(identityv1alpha1.LabelWorkspace, tn.workspace.Name), "and the labels")
}

// An ETag stays valid across status writes, which are not in the SCIM User:
// If-None-Match still answers 304 and If-Match still matches. A write of the
// spec makes it stale.
func TestETagSurvivesAStatusWrite(t *testing.T) {
	g := NewWithT(t)
	r, writes := startRecordedReplica(t)
	tn := newTenant(t, r)
	created := tn.do("POST", "/Users", user("etag-status@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	got := tn.do("GET", "/Users/"+id, nil)
	etag := got.header.Get("ETag")
	g.Expect(etag).To(Equal(`W/"1"`))

	writeStatus(t, tn, id, 1)
	g.Eventually(func() string { return tn.stored(id).Status.MemberKey }).Should(Equal("member-1"))
	g.Expect(tn.do("GET", "/Users/"+id, nil).header.Get("ETag")).To(Equal(etag), "a status write leaves the version")
	g.Expect(tn.do("GET", "/Users/"+id, nil, "If-None-Match", etag).status).To(Equal(http.StatusNotModified))

	title := map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "One"}}}
	first := tn.do("PATCH", "/Users/"+id, title, "If-Match", etag)
	g.Expect(first.status).To(Equal(http.StatusOK), "If-Match with the ETag read before the status write: %s", first)
	newETag := first.header.Get("ETag")
	g.Expect(newETag).To(Equal(`W/"2"`))

	writeStatus(t, tn, id, 2)
	stale := tn.do("PATCH", "/Users/"+id, title, "If-Match", etag)
	g.Expect(stale.status).To(Equal(http.StatusPreconditionFailed), "If-Match with the version before a spec write: %s", stale)
	g.Expect(stale.body["scimType"]).To(Equal("invalidVers"))
	g.Expect(tn.do("PUT", "/Users/"+id, user("etag-status@example.com"), "If-Match", etag).status).To(Equal(http.StatusPreconditionFailed))
	for _, notANumber := range []string{`W/"abc"`, `"2x"`, `W/""`, `W/"-2"`} {
		r := tn.do("PATCH", "/Users/"+id, title, "If-Match", notANumber)
		g.Expect(r.status).To(Equal(http.StatusPreconditionFailed), "If-Match %s: %s", notANumber, r)
	}
	g.Expect(tn.do("DELETE", "/Users/"+id, nil, "If-Match", etag).status).To(Equal(http.StatusPreconditionFailed))
	g.Expect(tn.stored(id)).NotTo(BeNil(), "a stale DELETE deletes nothing")

	second := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Two"}}},
		"If-Match", newETag)
	g.Expect(second.status).To(Equal(http.StatusOK), "If-Match with the current version after a status write: %s", second)
	current := second.header.Get("ETag")
	g.Expect(current).To(Equal(`W/"3"`))

	// A write of the spec by another writer between the server's read and
	// its delete: the delete conflicts, the generation moved: 412.
	writes.take()
	writes.setBefore(func(verb string, u *identityv1alpha1.WorkspaceUser) {
		if verb == "delete" {
			writes.setBefore(nil)
			p := []byte(`{"spec":{"title":"by kubectl"}}`)
			g.Expect(env.Client.Patch(context.Background(), u.DeepCopy(), client.RawPatch(types.MergePatchType, p))).To(Succeed())
		}
	})
	raced := tn.do("DELETE", "/Users/"+id, nil, "If-Match", current)
	g.Expect(raced.status).To(Equal(http.StatusPreconditionFailed), raced.String())
	g.Expect(raced.body["scimType"]).To(Equal("invalidVers"))
	g.Expect(writes.take()).To(Equal([]string{"delete conflict"}))
	g.Expect(tn.stored(id).DeletionTimestamp).To(BeNil(), "nothing deleted")
	current = `W/"4"`
	g.Eventually(func() string { return tn.do("GET", "/Users/"+id, nil).header.Get("ETag") }).Should(Equal(current))

	// A status write between the server's read and its delete: the delete
	// with the resourceVersion read conflicts, the generation is the
	// pinned one still, and the delete is retried once.
	writes.take()
	writes.setBefore(func(verb string, _ *identityv1alpha1.WorkspaceUser) {
		if verb == "delete" {
			writes.setBefore(nil)
			writeStatus(t, tn, id, 3)
		}
	})
	deleted := tn.do("DELETE", "/Users/"+id, nil, "If-Match", current)
	g.Expect(deleted.status).To(Equal(http.StatusNoContent), deleted.String())
	g.Expect(writes.take()).To(Equal([]string{"delete conflict", "delete ok"}))
	g.Expect(tn.stored(id).DeletionTimestamp).NotTo(BeNil(), "deleted; its member finalizer holds it")
}

// A user written by hand (GitOps) without annotations is patched through
// SCIM: the patch tests that it still has none and adds them.
func TestPatchOfAUserWithoutAnnotations(t *testing.T) {
	g := NewWithT(t)
	r, writes := startRecordedReplica(t)
	tn := newTenant(t, r)
	ctx := context.Background()
	active := true
	u := &identityv1alpha1.WorkspaceUser{}
	u.Namespace, u.Name = tn.namespace, "by-hand"
	u.Spec = identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: tn.workspace.Name},
		UserName: "by-hand@example.com", Active: &active}
	g.Expect(env.Client.Create(ctx, u)).To(Succeed())
	g.Expect(u.Annotations).To(BeEmpty())
	id := string(u.UID)
	g.Eventually(func() int { return tn.do("GET", "/Users/"+id, nil).status }).Should(Equal(http.StatusOK))

	patched := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Hand"}}})
	g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
	g.Expect(writes.take()).To(Equal([]string{"patch ok"}))
	stored := tn.stored(id)
	g.Expect(stored.Spec.Title).To(Equal("Hand"))
	g.Expect(stored.Annotations).To(HaveKey("identity.rollcall.dev/scim-last-modified"))

	// A user whose annotations someone added after the server read it:
	// the patch's test fails (422), the server reads again and re-applies.
	var once sync.Once
	bare := &identityv1alpha1.WorkspaceUser{}
	bare.Namespace, bare.Name = tn.namespace, "by-hand-2"
	bare.Spec = identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: tn.workspace.Name},
		UserName: "by-hand-2@example.com", Active: &active}
	g.Expect(env.Client.Create(ctx, bare)).To(Succeed())
	g.Eventually(func() int { return tn.do("GET", "/Users/"+string(bare.UID), nil).status }).Should(Equal(http.StatusOK))
	writes.setBefore(func(string, *identityv1alpha1.WorkspaceUser) {
		once.Do(func() {
			p := []byte(`{"metadata":{"annotations":{"example.com/owner":"gitops"}}}`)
			g.Expect(env.Client.Patch(ctx, bare.DeepCopy(), client.RawPatch(types.MergePatchType, p))).To(Succeed())
		})
	})
	again := tn.do("PATCH", "/Users/"+string(bare.UID), map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Hand"}}})
	g.Expect(again.status).To(Equal(http.StatusOK), again.String())
	g.Expect(writes.take()).To(Equal([]string{"patch invalid", "patch ok"}), "the lost race is re-applied on a fresh read")
	stored = tn.stored(string(bare.UID))
	g.Expect(stored.Annotations).To(HaveKeyWithValue("example.com/owner", "gitops"), "the other writer's annotation is kept")
	g.Expect(stored.Annotations).To(HaveKey("identity.rollcall.dev/scim-last-modified"))
	g.Expect(stored.Spec.Title).To(Equal("Hand"))
}

// A spec the API server refuses is still 400 invalidValue with its causes,
// not a conflict to retry, though it comes as 422 like a failed test.
func TestRefusedPatchIsNotRetried(t *testing.T) {
	g := NewWithT(t)
	r, writes := startRecordedReplica(t)
	tn := newTenant(t, r)
	created := tn.do("POST", "/Users", user("refused@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	writes.take()
	refused := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{
		map[string]any{"op": "replace", "path": "externalId", "value": strings.Repeat("x", 600)}}})
	g.Expect(refused.status).To(Equal(http.StatusBadRequest), refused.String())
	g.Expect(refused.body["scimType"]).To(Equal("invalidValue"))
	g.Expect(refused.body["detail"]).To(ContainSubstring("spec.externalId"), "the API server's cause")
	g.Expect(writes.take()).To(Equal([]string{"patch invalid"}), "refused once, not retried")
	g.Expect(tn.stored(id).Spec.ExternalID).To(BeEmpty())
}
