package workspacegroup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
)

// letInUser is a let-in user of team/acme with uid and, when key is not
// "", that backend-key annotation.
func letInUser(uid, key string) *identityv1alpha1.WorkspaceUser {
	u := userAt(1, 1, true)
	u.Name, u.UID = uid, types.UID(uid)
	if key != "" {
		u.Annotations = map[string]string{identityv1alpha1.AnnotationBackendKey: key}
	}
	return u
}

// A member user's key is its own (annotation or UID), not one derived from
// the SCIM id the group lists: minted keys already in the backend stay, a
// missing one is added under the minted key, and keys that are no let-in
// member's go (among them a UID-derived key of a user whose key is minted).
func TestPlanMembersUsesEachUsersOwnKey(t *testing.T) {
	var r Reconciler
	for _, u := range []*identityv1alpha1.WorkspaceUser{
		letInUser("uid-ada", ""),                     // made before the annotation
		letInUser("uid-bob", "team:acme:minted-bob"), // made by the SCIM server
		letInUser("uid-cy", "team:acme:minted-cy"),
		letInUser("uid-dee", "team:acme:minted-dee"), // not a member of the group
	} {
		r.roster.set(u)
	}
	group := &identityv1alpha1.WorkspaceGroup{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "eng"},
		Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}}}
	shards := groupmembers.Shards{"": {"uid-ada", "uid-bob", "uid-cy"}}
	actual := []string{"team:acme:uid-ada", "team:acme:minted-bob", "team:acme:uid-bob", "team:acme:minted-dee"}

	p := r.planMembers(group, shards, actual)
	if diff := cmp.Diff([]string{"team:acme:minted-cy"}, p.add); diff != "" {
		t.Errorf("add (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"team:acme:minted-dee", "team:acme:uid-bob"}, p.remove); diff != "" {
		t.Errorf("remove (-want +got):\n%s", diff)
	}
	if p.total != 3 || p.synced != 3 {
		t.Errorf("total %d, synced %d; want 3, 3", p.total, p.synced)
	}
}
