package scimserver_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

const urnGroup = "urn:ietf:params:scim:schemas:core:2.0:Group"

// bulkLabel marks the users createUsers makes, for their cleanup.
const bulkLabel = "test.rollcall.dev/bulk"

// storedGroup reads the WorkspaceGroup whose SCIM id is id from the API
// server, or nil.
func (tn *tenant) storedGroup(id string) *identityv1alpha1.WorkspaceGroup {
	tn.t.Helper()
	list := &identityv1alpha1.WorkspaceGroupList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(tn.namespace)); err != nil {
		tn.t.Fatal(err)
	}
	for i := range list.Items {
		if string(list.Items[i].UID) == id {
			return &list.Items[i]
		}
	}
	return nil
}

// storedMembers are the member ids in the shards of the group with SCIM id
// id, as the API server has them, sorted; and the shards.
func (tn *tenant) storedMembers(id string) ([]string, []identityv1alpha1.WorkspaceGroupMembership) {
	tn.t.Helper()
	g := tn.storedGroup(id)
	if g == nil {
		return nil, nil
	}
	list := &identityv1alpha1.WorkspaceGroupMembershipList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(tn.namespace),
		client.MatchingLabels{identityv1alpha1.LabelGroup: g.Name}); err != nil {
		tn.t.Fatal(err)
	}
	out := []string{}
	for _, m := range list.Items {
		out = append(out, m.Spec.Members...)
	}
	slices.Sort(out)
	return slices.Compact(out), list.Items
}

// group is a minimal SCIM Group body.
func group(displayName string, memberIDs ...string) map[string]any {
	members := []any{}
	for _, id := range memberIDs {
		members = append(members, map[string]any{"value": id})
	}
	return map[string]any{"schemas": []string{urnGroup}, "displayName": displayName, "members": members}
}

// membersOp is a PatchOp of one operation on members.
func membersOp(op string, ids ...string) map[string]any {
	values := []any{}
	for _, id := range ids {
		values = append(values, map[string]any{"value": id})
	}
	return map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": op, "path": "members", "value": values}},
	}
}

// createUsers creates n users of the tenant's workspace straight in the API
// server (not through SCIM: faster for thousands), in parallel, and returns
// their SCIM ids.
func (tn *tenant) createUsers(n int, prefix string) []string {
	tn.t.Helper()
	// Every replica of later tests lists every user of the shared API
	// server: thousands left behind would slow them all.
	tn.t.Cleanup(func() {
		if err := env.Client.DeleteAllOf(context.Background(), &identityv1alpha1.WorkspaceUser{}, client.InNamespace(tn.namespace),
			client.MatchingLabels{bulkLabel: prefix}); err != nil {
			tn.t.Errorf("delete the users made for the test: %v", err)
		}
		if err := env.Client.DeleteAllOf(context.Background(), &identityv1alpha1.WorkspaceGroupMembership{}, client.InNamespace(tn.namespace)); err != nil {
			tn.t.Errorf("delete the test's membership shards: %v", err)
		}
	})
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	next := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				active := true
				u := &identityv1alpha1.WorkspaceUser{
					ObjectMeta: metav1.ObjectMeta{Namespace: tn.namespace, Name: fmt.Sprintf("%s-%d", prefix, i),
						Labels: map[string]string{identityv1alpha1.LabelWorkspace: tn.workspace.Name, bulkLabel: prefix}},
					Spec: identityv1alpha1.WorkspaceUserSpec{
						WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: tn.workspace.Name},
						UserName:     fmt.Sprintf("%s-%d@example.com", prefix, i),
						Active:       &active,
					},
				}
				if err := env.Client.Create(context.Background(), u); err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				ids[i] = string(u.UID)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		tn.t.Fatal(err)
	default:
	}
	return ids
}

// waitForUsers waits until the replica's cache has the users (a GET of the
// last one answers 200).
func (tn *tenant) waitForUsers(t testing.TB, ids []string) {
	t.Helper()
	for _, id := range []string{ids[0], ids[len(ids)-1]} {
		for i := 0; ; i++ {
			if tn.do("GET", "/Users/"+id+"?attributes=id", nil).status == 200 {
				break
			}
			if i > 2000 {
				t.Fatalf("user %s never reached the cache", id)
			}
		}
	}
}
