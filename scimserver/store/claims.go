package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;create;delete

// Holding usernameclaims is what config/policies/scim-lease-scope.yaml knows
// the SCIM server by: it may then write only Leases that are userName claims.
// +kubebuilder:rbac:groups=identity.rollcall.dev,resources=usernameclaims,verbs=hold

// Labels and annotations of userName claims.
const (
	// LabelClaim marks a Lease as a userName claim.
	LabelClaim = "identity.rollcall.dev/claim"
	// AnnotationUserName holds the claimed userName's key (username.Key).
	AnnotationUserName = "identity.rollcall.dev/user-name"
	claimPrefix        = "scim-username-"
)

// claimGrace is how long a claim whose WorkspaceUser does not exist (or does
// not carry the claimed userName) is respected: a POST or rename in flight on
// another replica is between its claim and its write.
const claimGrace = 30 * time.Second

// ErrUserNameTaken is a userName another user of the workspace holds.
var ErrUserNameTaken = errors.New("userName taken")

// Claims makes userNames unique per workspace across replicas. A claim is a
// Lease named after the workspace and the userName's key, whose
// holderIdentity is the name of the WorkspaceUser that owns it. Creating an
// object is atomic in the API server, so of two replicas claiming one
// userName at once exactly one succeeds.
type Claims struct {
	client    client.Client
	apiReader client.Reader
	clock     clock.PassiveClock
}

// NewClaims makes userName claims with c and reads existing ones and their
// holders through apiReader (never the cache: a claim decides a race). clk
// tells a claim's age.
func NewClaims(c client.Client, apiReader client.Reader, clk clock.PassiveClock) *Claims {
	return &Claims{client: c, apiReader: apiReader, clock: clk}
}

// claimName is the Lease name of a userName in a workspace.
func claimName(workspace, userName string) string {
	return claimNameOfKey(workspace, userNameKey(userName))
}

// legacyClaimName is the name the claim of userName had when claims were
// named by the lower-cased userName. It differs from claimName only for
// userNames that are not printable ASCII or have runs of spaces.
func legacyClaimName(workspace, userName string) string {
	return claimNameOfKey(workspace, legacyUserNameKey(userName))
}

func claimNameOfKey(workspace, key string) string {
	sum := sha256.Sum256([]byte(workspace + "\x00" + key))
	return claimPrefix + hex.EncodeToString(sum[:20])
}

// Acquire claims userName in workspace for the WorkspaceUser named holder,
// before a create or a rename is written. It returns ErrUserNameTaken when
// another user holds it; a claim holder already has is kept.
//
// The claim is owned by the Workspace, so the garbage collector removes a
// workspace's claims with it. It is made in one write: the holder does not
// exist yet, so it cannot be the owner without a second write per user. A
// claim left by a user deleted outside SCIM is stale once claimGrace has
// passed and is taken over by the next user with that userName.
func (c *Claims) Acquire(ctx context.Context, workspace *identityv1alpha1.Workspace, userName, holder string) error {
	ws := Workspace{Namespace: workspace.Namespace, Name: workspace.Name}
	return c.acquire(ctx, workspace, holder, claimKind{
		attribute: "userName", lease: claimName(ws.Name, userName),
		annotation: AnnotationUserName, key: userNameKey(userName), taken: ErrUserNameTaken,
		stale: func(ctx context.Context, lease *coordinationv1.Lease) (bool, error) {
			return c.stale(ctx, ws, lease, userName)
		},
	})
}

// claimKind is one kind of claim: a userName's or a displayName's.
type claimKind struct {
	// attribute is the SCIM attribute claimed, the LabelClaim value.
	attribute string
	// lease is the claim's name; annotation and key, the claimed value's
	// key as the claim records it.
	lease, annotation, key string
	// taken is the error when another holder has the claim.
	taken error
	// stale reports whether a claim another holder has may be taken over.
	stale func(ctx context.Context, lease *coordinationv1.Lease) (bool, error)
}

// acquire makes the claim of kind for holder in one create, or keeps the
// one holder has, or takes over a stale one (see Acquire).
func (c *Claims) acquire(ctx context.Context, workspace *identityv1alpha1.Workspace, holder string, kind claimKind) error {
	for attempt := 0; attempt < 3; attempt++ {
		lease := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Namespace:   workspace.Namespace,
				Name:        kind.lease,
				Labels:      map[string]string{identityv1alpha1.LabelWorkspace: workspace.Name, LabelClaim: kind.attribute},
				Annotations: map[string]string{kind.annotation: kind.key},
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
			return fmt.Errorf("claim %s: %w", kind.attribute, err)
		}
		existing := &coordinationv1.Lease{}
		if err := c.apiReader.Get(ctx, types.NamespacedName{Namespace: workspace.Namespace, Name: kind.lease}, existing); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("read %s claim: %w", kind.attribute, err)
		}
		if holderOf(existing) == holder {
			return nil
		}
		stale, err := kind.stale(ctx, existing)
		if err != nil {
			return err
		}
		if !stale {
			return kind.taken
		}
		if err := c.deleteClaim(ctx, existing); err != nil {
			return err
		}
	}
	return kind.taken
}

// stale reports whether a claim's holder is gone or no longer has the
// userName (a crash between the claim and the write, or a user deleted
// outside SCIM), once the claim is older than claimGrace.
// A holder that is being deleted makes its claim stale at once: no write for
// it can be in flight, and SCIM no longer shows it.
func (c *Claims) stale(ctx context.Context, ws Workspace, lease *coordinationv1.Lease, userName string) (bool, error) {
	u := &identityv1alpha1.WorkspaceUser{}
	err := c.apiReader.Get(ctx, types.NamespacedName{Namespace: ws.Namespace, Name: holderOf(lease)}, u)
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("read the holder of a userName claim: %w", err)
	}
	if err == nil && !u.DeletionTimestamp.IsZero() {
		return true, nil
	}
	if c.clock.Since(lease.CreationTimestamp.Time) < claimGrace {
		return false, nil
	}
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return workspaceOf(u) != ws || userNameKey(u.Spec.UserName) != userNameKey(userName), nil
}

// Release gives up holder's claim of userName; a claim someone else holds is
// left alone. A claim named the way claims were before username.Key is
// given up too, so a user created before the upgrade leaves none behind.
func (c *Claims) Release(ctx context.Context, ws Workspace, userName, holder string) error {
	name, legacy := claimName(ws.Name, userName), legacyClaimName(ws.Name, userName)
	if err := c.release(ctx, ws, name, holder); err != nil {
		return err
	}
	if legacy == name {
		return nil
	}
	return c.release(ctx, ws, legacy, holder)
}

func (c *Claims) release(ctx context.Context, ws Workspace, name, holder string) error {
	lease := &coordinationv1.Lease{}
	err := c.apiReader.Get(ctx, types.NamespacedName{Namespace: ws.Namespace, Name: name}, lease)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read userName claim: %w", err)
	}
	if holderOf(lease) != holder {
		return nil
	}
	return c.deleteClaim(ctx, lease)
}

func (c *Claims) deleteClaim(ctx context.Context, lease *coordinationv1.Lease) error {
	err := c.client.Delete(ctx, lease, client.Preconditions{UID: &lease.UID, ResourceVersion: &lease.ResourceVersion})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete userName claim %s: %w", lease.Name, err)
	}
	return nil
}

func holderOf(l *coordinationv1.Lease) string {
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}
