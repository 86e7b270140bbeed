package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// displayName claims make group displayNames unique per workspace across
// replicas, as userName claims do for users: a Lease per workspace and
// DisplayNameKey, held by the WorkspaceGroup's name. Their names start with
// groupClaimPrefix, never claimPrefix, and their key is hashed with a
// distinct tag, so a group named like a user never meets its claim.
const (
	groupClaimPrefix = "scim-groupname-"
	// AnnotationDisplayName holds the claimed displayName's key (DisplayNameKey).
	AnnotationDisplayName = "identity.rollcall.dev/display-name"
)

// ErrDisplayNameTaken is a displayName another group of the workspace holds.
var ErrDisplayNameTaken = errors.New("displayName taken")

func groupClaimName(workspace, displayName string) string {
	sum := sha256.Sum256([]byte("group\x00" + workspace + "\x00" + DisplayNameKey(displayName)))
	return groupClaimPrefix + hex.EncodeToString(sum[:20])
}

// AcquireDisplayName claims displayName in workspace for the WorkspaceGroup
// named holder, before a create or a rename is written; see Acquire. It
// returns ErrDisplayNameTaken when another group holds it.
func (c *Claims) AcquireDisplayName(ctx context.Context, workspace *identityv1alpha1.Workspace, displayName, holder string) error {
	ws := Workspace{Namespace: workspace.Namespace, Name: workspace.Name}
	return c.acquire(ctx, workspace, holder, claimKind{
		attribute: "displayName", lease: groupClaimName(ws.Name, displayName),
		annotation: AnnotationDisplayName, key: DisplayNameKey(displayName), taken: ErrDisplayNameTaken,
		stale: func(ctx context.Context, lease *coordinationv1.Lease) (bool, error) {
			return c.groupClaimStale(ctx, ws, lease, displayName)
		},
	})
}

// groupClaimStale is stale for groups: the holder is being deleted, or,
// after claimGrace, gone or without the displayName.
func (c *Claims) groupClaimStale(ctx context.Context, ws Workspace, lease *coordinationv1.Lease, displayName string) (bool, error) {
	g := &identityv1alpha1.WorkspaceGroup{}
	err := c.apiReader.Get(ctx, types.NamespacedName{Namespace: ws.Namespace, Name: holderOf(lease)}, g)
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("read the holder of a displayName claim: %w", err)
	}
	if err == nil && !g.DeletionTimestamp.IsZero() {
		return true, nil
	}
	if c.clock.Since(lease.CreationTimestamp.Time) < claimGrace {
		return false, nil
	}
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return groupWorkspace(g) != ws || !SameDisplayName(g.Spec.DisplayName, displayName), nil
}

// ReleaseDisplayName gives up holder's claim of displayName; a claim someone
// else holds is left alone.
func (c *Claims) ReleaseDisplayName(ctx context.Context, ws Workspace, displayName, holder string) error {
	return c.release(ctx, ws, groupClaimName(ws.Name, displayName), holder)
}
