package indexes_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/indexes"
)

// recordingIndexer keeps the index functions it is given, by field.
type recordingIndexer map[string]client.IndexerFunc

func (r recordingIndexer) IndexField(_ context.Context, obj client.Object, field string, fn client.IndexerFunc) error {
	key := fmt.Sprintf("%T %s", obj, field)
	if _, ok := r[key]; ok {
		return fmt.Errorf("index %s registered twice", key)
	}
	r[key] = fn
	return nil
}

func TestAddDefaultRegistersEveryIndexOnce(t *testing.T) {
	rec := recordingIndexer{}
	if err := indexes.AddDefault(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	user := &identityv1alpha1.WorkspaceUser{Spec: identityv1alpha1.WorkspaceUserSpec{
		WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}, UserName: "ada@Example.COM"}}
	// Both domains the gate checks are indexed, so verifying either wakes the user.
	signIn := &identityv1alpha1.WorkspaceUser{Spec: identityv1alpha1.WorkspaceUserSpec{
		WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}, UserName: "ceo@victim.test",
		Emails: []identityv1alpha1.Email{{Value: "intern@example.com", Primary: true}}}}
	ws := &identityv1alpha1.Workspace{Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
		Type: identityv1alpha1.BackendSQL,
		SQL:  &identityv1alpha1.SQLBackend{DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "db", Key: "dsn"}}}}}
	domain := &identityv1alpha1.WorkspaceDomain{ObjectMeta: metav1.ObjectMeta{Name: "example.com"},
		Spec: identityv1alpha1.WorkspaceDomainSpec{WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: "team", Name: "acme"}}}
	for _, tc := range []struct {
		obj   client.Object
		field string
		want  []string
	}{
		{user, indexes.UserWorkspace, []string{"acme"}},
		{user, indexes.UserWorkspaceDomain, []string{indexes.WorkspaceDomainValue("acme", "example.com")}},
		{signIn, indexes.UserWorkspaceDomain, []string{
			indexes.WorkspaceDomainValue("acme", "example.com"), indexes.WorkspaceDomainValue("acme", "victim.test")}},
		{ws, indexes.WorkspaceBackendSecret, []string{"db"}},
		{&identityv1alpha1.WorkspaceGroup{Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}}},
			indexes.GroupWorkspace, []string{"acme"}},
		{domain, indexes.DomainWorkspace, []string{indexes.DomainWorkspaceValue("team", "acme")}},
	} {
		key := fmt.Sprintf("%T %s", tc.obj, tc.field)
		fn, ok := rec[key]
		if !ok {
			t.Errorf("no index %s", key)
			continue
		}
		if got := fn(tc.obj); !slices.Equal(got, tc.want) {
			t.Errorf("index %s = %q, want %q", key, got, tc.want)
		}
	}
	if len(rec) != 5 {
		t.Errorf("%d indexes registered, want 5", len(rec))
	}
}
