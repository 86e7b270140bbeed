package workspace_test

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspace"
	"github.com/rollcall-dev/rollcall/internal/manifests"
	"github.com/rollcall-dev/rollcall/internal/scimtoken"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// startControllerAsManager runs the workspace controller as a user bound
// only to the roles generated from the controllers' RBAC markers
// (config/rbac/role.yaml: the ClusterRole and the Role of the operator's
// namespace), so the tests also show those rights suffice.
func startControllerAsManager(t *testing.T, user string) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	root, err := testenv.RepoRoot()
	g.Expect(err).NotTo(HaveOccurred())
	objs, err := manifests.Read(filepath.Join(root, "config", "rbac", "role.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	identity, err := env.AddUser(envtest.User{Name: user}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	for _, role := range objs {
		g.Expect(env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(role), client.FieldOwner("test"), client.ForceOwnership)).To(Succeed())
		if role.GetKind() == "Role" {
			g.Expect(testenv.BindRoles(ctx, env.Client, role.GetNamespace(), user, role.GetName())).To(Succeed())
		} else {
			g.Expect(testenv.BindClusterRoles(ctx, env.Client, user, role.GetName())).To(Succeed())
		}
	}
	asUser := *env
	asUser.Config = identity.Config()
	mgr, err := asUser.NewControllerManager(ctrl.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	r := &workspace.Reconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), PublicBaseURL: publicURL}
	g.Expect(r.SetupWithManager(ctx, mgr)).To(Succeed())
	testenv.RunManager(t, mgr)
}

// recordOf reads the digest record of the workspace ns/name in the
// operator's namespace; nil when there is none.
func recordOf(g Gomega, ns, name string) *corev1.Secret {
	record := &corev1.Secret{}
	key := client.ObjectKey{Namespace: scimtoken.DefaultNamespace, Name: scimtoken.DigestRecordName(ns, name)}
	err := env.Client.Get(context.Background(), key, record)
	if apierrors.IsNotFound(err) {
		return nil
	}
	g.Expect(err).NotTo(HaveOccurred())
	return record
}

// tokenPublishedTime is the Workspace's status.tokenPublishedTime, which
// must be set.
func tokenPublishedTime(g Gomega, ws *identityv1alpha1.Workspace) metav1.Time {
	got := &identityv1alpha1.Workspace{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(ws), got)).To(Succeed())
	g.Expect(got.Status.TokenPublishedTime).NotTo(BeNil(), "status.tokenPublishedTime")
	return *got.Status.TokenPublishedTime
}

func hexDigest(token string) string { return hex.EncodeToString(scimtoken.Digest(token)) }

// The SCIM server reads only the digest record: the controller publishes
// the SHA-256 of the token, never the token, and follows a rotation with
// its grace period at once.
func TestTokenDigestsFollowTheTokenSecret(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startControllerAsManager(t, "rollcall-controller-digests")
	ns := testenv.NewNamespace(t, env.Client)
	ws := sqliteWorkspace(ns, "acme")
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())

	secret := &corev1.Secret{}
	g.Eventually(func() error {
		return env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "acme-scim-token"}, secret)
	}).WithTimeout(20 * time.Second).Should(Succeed())
	token := string(secret.Data[identityv1alpha1.TokenSecretKey])
	g.Eventually(func(g Gomega) {
		record := recordOf(g, ns, "acme")
		g.Expect(record).NotTo(BeNil())
		g.Expect(string(record.Data[scimtoken.DigestKey])).To(Equal(hexDigest(token)))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	record := recordOf(g, ns, "acme")
	g.Expect(record.Data).To(HaveLen(1), "only the digest of the current token: %v", record.Data)
	for _, v := range record.Data {
		g.Expect(string(v)).NotTo(ContainSubstring(token))
	}
	g.Expect(record.Labels).To(HaveKeyWithValue(scimtoken.LabelWorkspaceNamespace, ns))
	g.Expect(record.Labels).To(HaveKeyWithValue(identityv1alpha1.LabelWorkspace, "acme"))
	g.Expect(record.Annotations).To(HaveKeyWithValue(scimtoken.AnnotationWorkspace, ns+"/acme"))

	// The Workspace says since when its token is published: the token's age.
	var firstSince metav1.Time
	g.Eventually(func(g Gomega) { firstSince = tokenPublishedTime(g, ws) }).WithTimeout(10 * time.Second).Should(Succeed())
	g.Expect(firstSince.Time).To(BeTemporally(">=", secret.CreationTimestamp.Time))
	g.Expect(firstSince.Time).To(BeTemporally("<=", time.Now()))
	g.Expect(recordOf(g, ns, "acme").Annotations).To(HaveKeyWithValue(scimtoken.AnnotationTokenPublished, firstSince.UTC().Format(time.RFC3339)),
		"the record keeps the time, read fresh with it")

	// An edit of the token Secret that keeps its token is published (its
	// version moves) but the token is as old as it was. Both this edit and
	// the rotation below come in a later second than the first publication
	// (the field has a second's precision).
	time.Sleep(time.Until(firstSince.Add(time.Second)))
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret)).To(Succeed())
	secret.Labels["team"] = "identity"
	g.Expect(env.Client.Update(ctx, secret)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(got.Status.PublishedTokenVersion).To(Equal(secret.ResourceVersion))
	}).WithTimeout(10 * time.Second).Should(Succeed())
	g.Expect(tokenPublishedTime(g, ws)).To(Equal(firstSince))

	// kubectl rollcall workspace rotate-token --grace 1h
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret)).To(Succeed())
	rotated, err := scimtoken.Rotate(secret, time.Hour, time.Now())
	g.Expect(err).NotTo(HaveOccurred())
	expires := secret.Annotations[identityv1alpha1.AnnotationPreviousTokenExpires]
	g.Expect(env.Client.Update(ctx, secret)).To(Succeed())
	start := time.Now()
	g.Eventually(func(g Gomega) {
		record := recordOf(g, ns, "acme")
		g.Expect(string(record.Data[scimtoken.DigestKey])).To(Equal(hexDigest(rotated)))
		g.Expect(string(record.Data[scimtoken.PreviousDigestKey])).To(Equal(hexDigest(token)))
		g.Expect(record.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationPreviousTokenExpires, expires))
	}).WithTimeout(10 * time.Second).WithPolling(5 * time.Millisecond).Should(Succeed())
	t.Logf("rotation published %s after the token Secret's update", time.Since(start))
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		g.Expect(got.Status.PublishedTokenVersion).To(Equal(secret.ResourceVersion))
	}).WithTimeout(10*time.Second).Should(Succeed(), "the Workspace says which version of its token Secret the SCIM server knows")
	g.Expect(tokenPublishedTime(g, ws).Time).To(BeTemporally(">=", start.Truncate(time.Second)), "a rotated token is new")

	// A rotation without grace drops the previous digest.
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(secret), secret)).To(Succeed())
	again, err := scimtoken.Rotate(secret, 0, time.Now())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(env.Client.Update(ctx, secret)).To(Succeed())
	g.Eventually(func(g Gomega) {
		record := recordOf(g, ns, "acme")
		g.Expect(string(record.Data[scimtoken.DigestKey])).To(Equal(hexDigest(again)))
		g.Expect(record.Data).NotTo(HaveKey(scimtoken.PreviousDigestKey))
		g.Expect(record.Annotations).NotTo(HaveKey(identityv1alpha1.AnnotationPreviousTokenExpires))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	// A record someone deletes is published again.
	g.Expect(env.Client.Delete(ctx, recordOf(g, ns, "acme"))).To(Succeed())
	g.Eventually(func(g Gomega) {
		record := recordOf(g, ns, "acme")
		g.Expect(record).NotTo(BeNil())
		g.Expect(string(record.Data[scimtoken.DigestKey])).To(Equal(hexDigest(again)))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	// A disabled workspace keeps its record: its token opens its 404.
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), ws)).To(Succeed())
	off := false
	ws.Spec.SCIM.Enabled = &off
	g.Expect(env.Client.Update(ctx, ws)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := &identityv1alpha1.Workspace{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ws), got)).To(Succeed())
		c := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionSCIMReady)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonSCIMDisabled))
	}).WithTimeout(10 * time.Second).Should(Succeed())
	g.Expect(recordOf(g, ns, "acme")).NotTo(BeNil())

	// The record goes with the Workspace: it is in another namespace, out of
	// garbage collection's reach.
	g.Expect(env.Client.Delete(ctx, ws)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(recordOf(g, ns, "acme")).To(BeNil())
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

// A token Secret one brings (spec.scim.tokenSecretName) is published like a
// generated one, and so is every edit of it; a token too short to open the
// endpoint withdraws the record.
func TestBroughtTokenSecretIsPublished(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startControllerAsManager(t, "rollcall-controller-brought")
	ns := testenv.NewNamespace(t, env.Client)
	own := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "my-own-token"},
		Data: map[string][]byte{identityv1alpha1.TokenSecretKey: []byte("a-token-brought-by-its-owner-0001")}}
	g.Expect(env.Client.Create(ctx, own)).To(Succeed())
	ws := sqliteWorkspace(ns, "acme")
	ws.Spec.SCIM.TokenSecretName = own.Name
	g.Expect(env.Client.Create(ctx, ws)).To(Succeed())
	g.Eventually(func(g Gomega) {
		record := recordOf(g, ns, "acme")
		g.Expect(record).NotTo(BeNil())
		g.Expect(string(record.Data[scimtoken.DigestKey])).To(Equal(hexDigest("a-token-brought-by-its-owner-0001")))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	own.Data[identityv1alpha1.TokenSecretKey] = []byte("  a-token-brought-by-its-owner-0002\n")
	g.Expect(env.Client.Update(ctx, own)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(string(recordOf(g, ns, "acme").Data[scimtoken.DigestKey])).To(Equal(hexDigest("a-token-brought-by-its-owner-0002")))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	own.Data[identityv1alpha1.TokenSecretKey] = []byte("changeme")
	g.Expect(env.Client.Update(ctx, own)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(recordOf(g, ns, "acme")).To(BeNil())
	}).WithTimeout(10*time.Second).Should(Succeed(), "a too-short token opens nothing")
}
