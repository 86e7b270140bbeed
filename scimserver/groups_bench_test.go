package scimserver_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/groupmembers"
)

// BenchmarkGroups measures the group endpoints end to end (real HTTP on
// loopback, a real API server): PATCHes adding and removing 1,000
// members, GETs of a 50,000-member group with and without members, the
// largest WorkspaceGroupMembership as stored, and GET of a user whose
// workspace has 1,000 groups (its groups attribute). Run it with
//
//	go test ./scimserver -run '^$' -bench Groups -benchtime 1x
//
// Setting up creates 50,000 users: minutes.
func BenchmarkGroups(b *testing.B) {
	tn := newTenant(b, startReplica(b))
	const big = 50_000
	ids := tn.createUsers(big, "bench")
	tn.waitForUsers(b, ids)

	b.Run("PATCH-add-1000", func(b *testing.B) {
		gid := tn.do("POST", "/Groups", group("bench add")).body["id"].(string)
		for i := 0; b.Loop(); i++ {
			batch := ids[(i*1000)%big : (i*1000)%big+1000]
			if r := tn.do("PATCH", "/Groups/"+gid, membersOp("Add", batch...)); r.status != http.StatusNoContent {
				b.Fatal(r)
			}
		}
	})
	b.Run("PATCH-remove-1000", func(b *testing.B) {
		gid := tn.do("POST", "/Groups", group("bench remove")).body["id"].(string)
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			batch := ids[(i*1000)%big : (i*1000)%big+1000]
			if r := tn.do("PATCH", "/Groups/"+gid, membersOp("Add", batch...)); r.status != http.StatusNoContent {
				b.Fatal(r)
			}
			b.StartTimer()
			if r := tn.do("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{map[string]any{
				"op": "Remove", "path": "members", "value": memberValues(batch)}}}); r.status != http.StatusNoContent {
				b.Fatal(r)
			}
		}
	})

	// A group of 50,000, filled 5,000 per PATCH.
	start := time.Now()
	bigGroup := tn.do("POST", "/Groups", group("bench 50k")).body["id"].(string)
	for i := 0; i < big; i += 5000 {
		if r := tn.do("PATCH", "/Groups/"+bigGroup, membersOp("Add", ids[i:i+5000]...)); r.status != http.StatusNoContent {
			b.Fatal(r)
		}
	}
	b.Logf("filled a group of %d members in %v (PATCHes of 5,000)", big, time.Since(start))

	b.Run("GET-50k-excludedAttributes=members", func(b *testing.B) {
		for b.Loop() {
			if r := tn.do("GET", "/Groups/"+bigGroup+"?excludedAttributes=members", nil); r.status != http.StatusOK {
				b.Fatal(r)
			}
		}
	})
	b.Run("GET-50k-with-members", func(b *testing.B) {
		var size int
		for b.Loop() {
			r := tn.do("GET", "/Groups/"+bigGroup, nil)
			if r.status != http.StatusOK || len(r.body["members"].([]any)) != big {
				b.Fatalf("%d, %d members", r.status, len(r.body["members"].([]any)))
			}
			size = len(r.raw)
		}
		b.ReportMetric(float64(size), "response-bytes")
	})
	b.Run("largest-membership-object", func(b *testing.B) {
		_, shards := tn.storedMembers(bigGroup)
		var largest, bytes int
		for b.Loop() {
			for _, s := range shards {
				n := rawGetSize(b, fmt.Sprintf("/apis/identity.rollcall.dev/v1alpha1/namespaces/%s/workspacegroupmemberships/%s", tn.namespace, s.Name))
				if n > bytes {
					bytes, largest = n, len(s.Spec.Members)
				}
			}
		}
		b.ReportMetric(float64(bytes), "bytes")
		b.ReportMetric(float64(largest), "ids")
		b.ReportMetric(float64(len(shards)), "shards")
	})
	b.Run("GET-user-1000-groups", func(b *testing.B) {
		member := ids[big-1] // in the 50k group (only), and made a member of every tenth group below
		createGroups(b, tn, 1000, member)
		for b.Loop() {
			r := tn.do("GET", "/Users/"+member, nil)
			if groups, _ := r.body["groups"].([]any); r.status != http.StatusOK || len(groups) != 101 {
				b.Fatalf("%d, %d groups", r.status, len(groups))
			}
		}
	})
}

func memberValues(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]any{"value": id}
	}
	return out
}

// rawGetSize is the size of the JSON the API server answers for path.
func rawGetSize(b testing.TB, path string) int {
	hc, err := rest.HTTPClientFor(env.Config)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := hc.Get(strings.TrimSuffix(env.Config.Host, "/") + path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return len(data)
}

// createGroups makes n groups straight in the API server, every tenth
// with member in its one shard.
func createGroups(b *testing.B, tn *tenant, n int, member string) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				g := &identityv1alpha1.WorkspaceGroup{
					ObjectMeta: metav1.ObjectMeta{Namespace: tn.namespace, Name: fmt.Sprintf("many-%d", i)},
					Spec: identityv1alpha1.WorkspaceGroupSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: tn.workspace.Name},
						DisplayName: fmt.Sprintf("many %d", i)},
				}
				if err := env.Client.Create(context.Background(), g); err != nil {
					b.Error(err)
					continue
				}
				members := []string{}
				if i%10 == 0 {
					members = []string{member}
				}
				m := &identityv1alpha1.WorkspaceGroupMembership{
					ObjectMeta: metav1.ObjectMeta{Namespace: tn.namespace, Name: groupmembers.ShardName(g.Name, ""),
						Labels:          map[string]string{identityv1alpha1.LabelGroup: g.Name, identityv1alpha1.LabelWorkspace: tn.workspace.Name},
						OwnerReferences: []metav1.OwnerReference{{APIVersion: identityv1alpha1.GroupVersion.String(), Kind: "WorkspaceGroup", Name: g.Name, UID: g.UID}}},
					Spec: identityv1alpha1.WorkspaceGroupMembershipSpec{GroupRef: identityv1alpha1.GroupReference{Name: g.Name}, Members: members},
				}
				if err := env.Client.Create(context.Background(), m); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	// Wait until the replica's cache has them all.
	for i := 0; i < 3000; i++ {
		if r := tn.do("GET", "/Groups?count=0", nil); r.body["totalResults"].(float64) >= float64(n) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := 0; i < 3000; i++ {
		r := tn.do("GET", "/Users/"+member, nil)
		if groups, _ := r.body["groups"].([]any); len(groups) == n/10+1 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Fatal("the replica never saw the groups")
}
