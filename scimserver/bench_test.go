package scimserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// BenchmarkFilterLookup measures GET /Users?filter=<attr> eq "<value>" from
// the filter to the encoded ListResponse (the code path of a real request
// after authentication) against 1k, 10k and 100k users of one workspace in
// an indexer with the server's index functions. The time per lookup does
// not grow with the number of users; B/user is the heap the cache holds
// per user.
func BenchmarkFilterLookup(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		users, bytesPerUser := populatedStore(b, n)
		ws := &identityv1alpha1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "acme"}}
		for _, filter := range []struct{ name, expr string }{
			{"userName", `userName eq "USER%d@example.com"`},
			{"externalId", `externalId eq "ext-%d"`},
			{"email", `emails.value eq "user%d@example.com"`},
		} {
			b.Run(fmt.Sprintf("users=%d/%s", n, filter.name), func(b *testing.B) {
				i := 0
				for b.Loop() {
					rec := httptest.NewRecorder()
					q := benchRequest(users, rec, ws)
					q.answerList(listQuery{filter: fmt.Sprintf(filter.expr, i%n), startIndex: 1, count: DefaultCount})
					if rec.Code != http.StatusOK || !containsTotalOne(rec.Body.Bytes()) {
						b.Fatalf("lookup %d answered %d %s", i%n, rec.Code, rec.Body)
					}
					i++
				}
				b.ReportMetric(bytesPerUser, "B/user")
			})
		}
	}
}

func containsTotalOne(body []byte) bool {
	return len(body) > 0 && string(body[len(body)-len(`"totalResults":1}`)-1:len(body)-1]) == `"totalResults":1}`
}

// benchRequest is a GET to the workspace ws answered from users.
func benchRequest(users *store.Users, w http.ResponseWriter, ws *identityv1alpha1.Workspace) *request {
	return &request{opts: Options{PublicBaseURL: "https://scim.example.test"}, users: users, clock: clock.RealClock{},
		w: w, r: httptest.NewRequest(http.MethodGet, "/", nil), ws: ws, key: store.Workspace{Namespace: ws.Namespace, Name: ws.Name}}
}

// populatedStore fills a store with n users and reports the heap they take
// per user in its indexes. The store's informer never runs: the users are
// added to its indexer directly.
func populatedStore(b *testing.B, n int) (*store.Users, float64) {
	b.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	informer := toolscache.NewSharedIndexInformer(&toolscache.ListWatch{}, &identityv1alpha1.WorkspaceUser{}, 0, toolscache.Indexers{})
	users, err := store.New(informer, nil, nil, clock.RealClock{})
	if err != nil {
		b.Fatal(err)
	}
	indexer := informer.GetIndexer()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		active := true
		u := &identityv1alpha1.WorkspaceUser{
			ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: fmt.Sprintf("user%d", i), UID: types.UID(fmt.Sprintf("uid-%08d", i)),
				ResourceVersion: fmt.Sprint(i + 1), CreationTimestamp: metav1.NewTime(created.Add(time.Duration(i) * time.Second))},
			Spec: identityv1alpha1.WorkspaceUserSpec{
				WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
				UserName:     fmt.Sprintf("user%d@example.com", i),
				ExternalID:   fmt.Sprintf("ext-%d", i),
				Active:       &active,
				DisplayName:  fmt.Sprintf("User %d", i),
				Name:         &identityv1alpha1.Name{GivenName: "User", FamilyName: fmt.Sprint(i)},
				Emails:       []identityv1alpha1.Email{{Value: fmt.Sprintf("user%d@example.com", i), Type: "work", Primary: true}},
			},
		}
		if err := indexer.Add(u); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return users, float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// BenchmarkListPage measures GET /Users?startIndex=…&count=100 (Okta's
// import) at 1k, 10k and 100k users: unlike a filter lookup it sorts the
// workspace's users, so it grows with them (n log n).
func BenchmarkListPage(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		users, _ := populatedStore(b, n)
		ws := &identityv1alpha1.Workspace{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: "acme"}}
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				q := benchRequest(users, rec, ws)
				q.answerList(listQuery{startIndex: n / 2, count: 100})
				if rec.Code != http.StatusOK {
					b.Fatalf("list answered %d", rec.Code)
				}
			}
		})
	}
}
