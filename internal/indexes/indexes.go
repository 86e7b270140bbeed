package indexes

import (
	"context"
	"fmt"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

// Field names of the indexes.
const (
	// UserWorkspace indexes WorkspaceUsers by spec.workspaceRef.name.
	UserWorkspace = "spec.workspaceRef.name"
	// UserWorkspaceDomain indexes WorkspaceUsers by "<workspace>/<domain>",
	// the domain taken from the spec's e-mail addresses (userdomain.Of).
	UserWorkspaceDomain = "identity.rollcall.dev/workspace-domain"
	// WorkspaceBackendSecret indexes Workspaces by the name of the Secret
	// their backend reads.
	WorkspaceBackendSecret = "identity.rollcall.dev/backend-secret"
)

// WorkspaceDomainValue is the UserWorkspaceDomain value of a workspace and domain.
func WorkspaceDomainValue(workspace, domain string) string { return workspace + "/" + domain }

var registered sync.Map // client.FieldIndexer -> struct{}

// Register adds the indexes to indexer once; later calls with the same
// indexer do nothing.
func Register(ctx context.Context, indexer client.FieldIndexer) error {
	if _, done := registered.LoadOrStore(indexer, struct{}{}); done {
		return nil
	}
	if err := indexer.IndexField(ctx, &identityv1alpha1.WorkspaceUser{}, UserWorkspace, func(o client.Object) []string {
		return []string{o.(*identityv1alpha1.WorkspaceUser).Spec.WorkspaceRef.Name}
	}); err != nil {
		registered.Delete(indexer)
		return fmt.Errorf("index WorkspaceUsers by workspace: %w", err)
	}
	if err := indexer.IndexField(ctx, &identityv1alpha1.WorkspaceUser{}, UserWorkspaceDomain, func(o client.Object) []string {
		u := o.(*identityv1alpha1.WorkspaceUser)
		d := userdomain.Of(u)
		if d == "" {
			return nil
		}
		return []string{WorkspaceDomainValue(u.Spec.WorkspaceRef.Name, d)}
	}); err != nil {
		return fmt.Errorf("index WorkspaceUsers by workspace and domain: %w", err)
	}
	if err := indexer.IndexField(ctx, &identityv1alpha1.Workspace{}, WorkspaceBackendSecret, func(o client.Object) []string {
		if name := o.(*identityv1alpha1.Workspace).Spec.Backend.SecretName(); name != "" {
			return []string{name}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("index Workspaces by backend Secret: %w", err)
	}
	return nil
}
