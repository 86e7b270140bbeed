package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	name := groupClaimName(ws.Name, displayName)
	for attempt := 0; attempt < 3; attempt++ {
		lease := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Namespace:   ws.Namespace,
				Name:        name,
				Labels:      map[string]string{identityv1alpha1.LabelWorkspace: ws.Name, LabelClaim: "displayName"},
				Annotations: map[string]string{AnnotationDisplayName: DisplayNameKey(displayName)},
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: identityv1alpha1.GroupVersion.String(),
					Kind:       "Workspace",
					Name:       workspace.Name,
					UID:        workspace.UID,
				}},
			},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder},
		}
		err := c.client.Create(ctx, lease)
		if err == nil {
			return nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("claim displayName: %w", err)
		}
		existing := &coordinationv1.Lease{}
		if err := c.apiReader.Get(ctx, types.NamespacedName{Namespace: ws.Namespace, Name: name}, existing); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("read displayName claim: %w", err)
		}
		if holderOf(existing) == holder {
			return nil
		}
		stale, err := c.groupClaimStale(ctx, ws, existing, displayName)
		if err != nil {
			return err
		}
		if !stale {
			return ErrDisplayNameTaken
		}
		if err := c.deleteClaim(ctx, existing); err != nil {
			return err
		}
	}
	return ErrDisplayNameTaken
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
