package indexes

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/userdomain"
)

// Field names of the indexes.
const (
	// UserWorkspace indexes WorkspaceUsers by spec.workspaceRef.name.
	UserWorkspace = "spec.workspaceRef.name"
	// UserWorkspaceDomain indexes WorkspaceUsers by "<workspace>/<domain>",
	// one value for each domain the gate checks (userdomain.All: the
	// e-mail's and the userName's), so a change of either domain's
	// WorkspaceDomain finds the user.
	UserWorkspaceDomain = "identity.rollcall.dev/workspace-domain"
	// WorkspaceBackendSecret indexes Workspaces by the name of the Secret
	// their backend reads.
	WorkspaceBackendSecret = "identity.rollcall.dev/backend-secret"
	// GroupWorkspace indexes WorkspaceGroups by spec.workspaceRef.name.
	GroupWorkspace = "spec.workspaceRef.name"
	// DomainWorkspace indexes WorkspaceDomains by "<namespace>/<name>" of
	// the Workspace that claims them (DomainWorkspaceValue).
	DomainWorkspace = "spec.workspaceRef"
)

// WorkspaceDomainValue is the UserWorkspaceDomain value of a workspace and domain.
func WorkspaceDomainValue(workspace, domain string) string { return workspace + "/" + domain }

// DomainWorkspaceValue is the DomainWorkspace value of a workspace.
func DomainWorkspaceValue(namespace, workspace string) string { return namespace + "/" + workspace }

// AddDefault registers every field index the controllers use on indexer,
// usually mgr.GetFieldIndexer(). Call it once per manager, before the
// manager starts: cmd/manager does when it runs the controllers, and so do
// the test helpers that build a manager for them.
func AddDefault(ctx context.Context, indexer client.FieldIndexer) error {
	if err := indexer.IndexField(ctx, &identityv1alpha1.WorkspaceUser{}, UserWorkspace, func(o client.Object) []string {
		return []string{o.(*identityv1alpha1.WorkspaceUser).Spec.WorkspaceRef.Name}
	}); err != nil {
		return fmt.Errorf("index WorkspaceUsers by workspace: %w", err)
	}
	if err := indexer.IndexField(ctx, &identityv1alpha1.WorkspaceUser{}, UserWorkspaceDomain, func(o client.Object) []string {
		u := o.(*identityv1alpha1.WorkspaceUser)
		domains := userdomain.All(u)
		values := make([]string, 0, len(domains))
		for _, d := range domains {
			values = append(values, WorkspaceDomainValue(u.Spec.WorkspaceRef.Name, d))
		}
		return values
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
	if err := indexer.IndexField(ctx, &identityv1alpha1.WorkspaceGroup{}, GroupWorkspace, func(o client.Object) []string {
		return []string{o.(*identityv1alpha1.WorkspaceGroup).Spec.WorkspaceRef.Name}
	}); err != nil {
		return fmt.Errorf("index WorkspaceGroups by workspace: %w", err)
	}
	if err := indexer.IndexField(ctx, &identityv1alpha1.WorkspaceDomain{}, DomainWorkspace, func(o client.Object) []string {
		ref := o.(*identityv1alpha1.WorkspaceDomain).Spec.WorkspaceRef
		return []string{DomainWorkspaceValue(ref.Namespace, ref.Name)}
	}); err != nil {
		return fmt.Errorf("index WorkspaceDomains by workspace: %w", err)
	}
	return nil
}
