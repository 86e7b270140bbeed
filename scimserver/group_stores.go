package scimserver

import (
	"context"
	"fmt"

	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// newGroupStores builds the stores of WorkspaceGroups and their membership
// shards on the manager's informers, and returns what tells they are synced.
func newGroupStores(ctx context.Context, mgr ctrl.Manager, clk clock.PassiveClock) (*store.Groups, *store.Memberships, []toolscache.InformerSynced, error) {
	informerOf := func(obj client.Object) (toolscache.SharedIndexInformer, error) {
		inf, err := mgr.GetCache().GetInformer(ctx, obj, cache.BlockUntilSynced(false))
		if err != nil {
			return nil, fmt.Errorf("get the %T informer: %w", obj, err)
		}
		shared, ok := inf.(toolscache.SharedIndexInformer)
		if !ok {
			return nil, fmt.Errorf("the manager's %T informer is a %T, not a client-go SharedIndexInformer", obj, inf)
		}
		return shared, nil
	}
	gi, err := informerOf(&identityv1alpha1.WorkspaceGroup{})
	if err != nil {
		return nil, nil, nil, err
	}
	mi, err := informerOf(&identityv1alpha1.WorkspaceGroupMembership{})
	if err != nil {
		return nil, nil, nil, err
	}
	groups, err := store.NewGroups(gi, mgr.GetClient(), mgr.GetAPIReader(), clk)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("build the group store: %w", err)
	}
	members, err := store.NewMemberships(mi, mgr.GetClient(), mgr.GetAPIReader(), clk)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("build the membership store: %w", err)
	}
	return groups, members, []toolscache.InformerSynced{gi.HasSynced, mi.HasSynced}, nil
}
