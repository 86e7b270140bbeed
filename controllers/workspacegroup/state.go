package workspacegroup

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backendkey"
)

// state is what one reconcile learned, for the deferred status write and
// the events.
type state struct {
	groupKey string
	// counts is status.members; nil leaves the recorded counts.
	counts *identityv1alpha1.GroupMemberCounts
	// pendingWhy summarises why members wait, for Ready's message.
	pendingWhy string
	// synced is the Synced condition to apply; nil leaves the existing one.
	synced *metav1.Condition
	// lastSync is status.lastSyncTime: when the backend was last written.
	lastSync *metav1.Time
	// skipStatus: write nothing (the object is going, or its workspace is).
	skipStatus bool
	// backend is the workspace's backend while this reconcile holds its
	// slots (openBackend); release gives them back.
	backend backend.Backend
	release func()
}

func newState(group *identityv1alpha1.WorkspaceGroup) *state {
	return &state{groupKey: backendkey.Group(group), lastSync: group.Status.LastSyncTime}
}

// releaseBackend gives back the slots this reconcile holds, if any.
func (st *state) releaseBackend() {
	if st.release != nil {
		st.release()
		st.release, st.backend = nil, nil
	}
}
