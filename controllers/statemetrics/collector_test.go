package statemetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

func TestGaugesFollowTheObjects(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := identityv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "acme"},
		Status: identityv1alpha1.WorkspaceStatus{
			Users:              &identityv1alpha1.UserCounts{Total: 10, Active: 9, Synced: 7, Held: 2, Failed: 1},
			TokenPublishedTime: &metav1.Time{Time: time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)},
			Conditions:         []metav1.Condition{{Type: identityv1alpha1.ConditionReady, Status: metav1.ConditionTrue}},
		},
	}
	group := func(name string, synced metav1.ConditionStatus, total, in, pending int32) *identityv1alpha1.WorkspaceGroup {
		return &identityv1alpha1.WorkspaceGroup{
			ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name},
			Spec:       identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"}, DisplayName: name},
			Status: identityv1alpha1.WorkspaceGroupStatus{
				Members:    identityv1alpha1.GroupMemberCounts{Total: total, Synced: in, Pending: pending},
				Conditions: []metav1.Condition{{Type: identityv1alpha1.ConditionSynced, Status: synced}},
			},
		}
	}
	domain := func(name string, method identityv1alpha1.VerificationMethod, verified metav1.ConditionStatus) *identityv1alpha1.WorkspaceDomain {
		return &identityv1alpha1.WorkspaceDomain{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: identityv1alpha1.WorkspaceDomainSpec{
				WorkspaceRef: identityv1alpha1.NamespacedWorkspaceReference{Namespace: "team", Name: "acme"},
				Verification: identityv1alpha1.DomainVerification{Method: method},
			},
			Status: identityv1alpha1.WorkspaceDomainStatus{
				Conditions: []metav1.Condition{{Type: identityv1alpha1.ConditionVerified, Status: verified}},
			},
		}
	}
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(ws,
		group("eng", metav1.ConditionTrue, 5, 4, 1), group("ops", metav1.ConditionFalse, 3, 0, 3),
		domain("example.com", identityv1alpha1.VerificationManual, metav1.ConditionTrue),
		domain("example.org", identityv1alpha1.VerificationDNS, metav1.ConditionFalse),
		domain("example.net", identityv1alpha1.VerificationDNS, metav1.ConditionFalse),
	).Build()

	want := `
# HELP rollcall_workspace_domains E-mail domains claimed for a workspace, by verification method and whether Verified is True.
# TYPE rollcall_workspace_domains gauge
rollcall_workspace_domains{method="DNS",verified="false",workspace="team/acme"} 2
rollcall_workspace_domains{method="Manual",verified="true",workspace="team/acme"} 1
# HELP rollcall_workspace_group_memberships Group memberships of a workspace by state (total, synced into the backend, pending on their user).
# TYPE rollcall_workspace_group_memberships gauge
rollcall_workspace_group_memberships{state="pending",workspace="team/acme"} 4
rollcall_workspace_group_memberships{state="synced",workspace="team/acme"} 4
rollcall_workspace_group_memberships{state="total",workspace="team/acme"} 8
# HELP rollcall_workspace_groups Groups of a workspace by state (synced: Synced is True; not_synced: the rest).
# TYPE rollcall_workspace_groups gauge
rollcall_workspace_groups{state="not_synced",workspace="team/acme"} 1
rollcall_workspace_groups{state="synced",workspace="team/acme"} 1
# HELP rollcall_workspace_ready 1 when the workspace's Ready condition is True, else 0.
# TYPE rollcall_workspace_ready gauge
rollcall_workspace_ready{workspace="team/acme"} 1
# HELP rollcall_workspace_token_published_timestamp_seconds When the workspace's current SCIM token was first published (status.tokenPublishedTime), in seconds since the epoch: time() minus it is the token's age.
# TYPE rollcall_workspace_token_published_timestamp_seconds gauge
rollcall_workspace_token_published_timestamp_seconds{workspace="team/acme"} 1.7882496e+09
# HELP rollcall_workspace_users Users of a workspace by state (total, active, synced, held for their domain, failed), as the Workspace's status counts them.
# TYPE rollcall_workspace_users gauge
rollcall_workspace_users{state="active",workspace="team/acme"} 9
rollcall_workspace_users{state="failed",workspace="team/acme"} 1
rollcall_workspace_users{state="held",workspace="team/acme"} 2
rollcall_workspace_users{state="synced",workspace="team/acme"} 7
rollcall_workspace_users{state="total",workspace="team/acme"} 10
`
	if err := testutil.CollectAndCompare(&Collector{reader: reader}, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
