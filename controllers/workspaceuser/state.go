package workspaceuser

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

// state is what one reconcile learned, for the deferred status write and
// the events.
type state struct {
	// domain is the person's e-mail domain.
	domain string
	// memberKey is the member's key; recorded once anything may have been
	// sent to the backend, so a revoked domain knows to deactivate it.
	memberKey string
	// domainVerified, synced: the conditions to apply; nil leaves the
	// existing one in place.
	domainVerified, synced *metav1.Condition
	// lastSync is when the member was last written (status.lastSyncTime).
	lastSync *metav1.Time
	// skipStatus: the object is gone (finalizer released), write nothing.
	skipStatus bool
	// backend is the workspace's backend while this reconcile holds one of
	// its slots (openBackend); release gives the slot back.
	backend backend.Backend
	release func()
}

// releaseBackend gives back the workspace slot this reconcile holds, if any.
func (st *state) releaseBackend() {
	if st.release != nil {
		st.release()
		st.release, st.backend = nil, nil
	}
}

func newState(user *identityv1alpha1.WorkspaceUser) *state {
	return &state{
		domain:    userdomain.Of(user),
		memberKey: user.Status.MemberKey,
		lastSync:  user.Status.LastSyncTime,
	}
}
