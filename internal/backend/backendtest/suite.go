package backendtest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-dev/rollcall/internal/backend"
)

// NewBackend returns a fresh backend for one subtest. The suite closes it.
// Keys differ between subtests, so backends may share one store.
type NewBackend func(t *testing.T) backend.Backend

// testCase is one conformance case. key is unique to the case and the
// run; keys the case derives from it (key + ":...") are too.
type testCase struct {
	name string
	run  func(t *testing.T, b backend.Backend, key string)
}

var memberCases = []testCase{
	{"CreateThenObserve", testCreate},
	{"UpdateReplacesAttributes", testUpdate},
	{"DeactivateKeepsRecord", testDeactivate},
	{"ReactivateByUpsert", testReactivate},
	{"DeleteRemoves", testDelete},
	{"IdempotentRepeats", testIdempotent},
	{"ConcurrentUpsertsOfOneKey", testConcurrent},
	{"UnknownMember", testUnknown},
	{"UnicodeAndLongValues", testUnicodeAndLong},
	{"KeysAreIndependent", testIndependentKeys},
}

// Run runs every conformance case, of members and of groups, against
// backends from newBackend.
func Run(t *testing.T, newBackend NewBackend) {
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	for _, c := range slices.Concat(memberCases, groupCases) {
		t.Run(c.name, func(t *testing.T) {
			b := newBackend(t)
			t.Cleanup(func() {
				if err := b.Close(); err != nil {
					t.Errorf("close backend: %v", err)
				}
			})
			c.run(t, b, "conformance:"+c.name+":"+run)
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func sample(key string) backend.Member {
	return backend.Member{
		Key:         key,
		UserName:    "ada@example.com",
		ExternalID:  "00aa-11bb",
		DisplayName: "Ada Lovelace",
		GivenName:   "Ada",
		FamilyName:  "Lovelace",
		Email:       "ada@example.com",
		Active:      true,
		Profile:     json.RawMessage(`{"title":"Analyst","emails":[{"value":"ada@example.com","primary":true}]}`),
		Extensions:  json.RawMessage(`{"urn:ietf:params:scim:schemas:extension:acme:2.0:User":{"costCode":"X1","badge":4711,"remote":true,"tags":["a","b"]}}`),
	}
}

func mustUpsert(t *testing.T, b backend.Backend, m backend.Member) {
	t.Helper()
	if err := b.Upsert(ctxFor(t), m); err != nil {
		t.Fatalf("upsert %q: %v", m.Key, err)
	}
}

func mustObserve(t *testing.T, b backend.Backend, key string) backend.Member {
	t.Helper()
	m, found, err := b.Observe(ctxFor(t), key)
	if err != nil {
		t.Fatalf("observe %q: %v", key, err)
	}
	if !found {
		t.Fatalf("observe %q: not found", key)
	}
	return m
}

func mustBeAbsent(t *testing.T, b backend.Backend, key string) {
	t.Helper()
	m, found, err := b.Observe(ctxFor(t), key)
	if err != nil {
		t.Fatalf("observe %q: %v", key, err)
	}
	if found {
		t.Fatalf("observe %q: found %+v, want none", key, m)
	}
}

func expectMember(t *testing.T, got, want backend.Member) {
	t.Helper()
	if !backend.Equal(got, want) {
		t.Fatalf("member differs:\n got  %+v (profile %s, extensions %s)\n want %+v (profile %s, extensions %s)",
			got, got.Profile, got.Extensions, want, want.Profile, want.Extensions)
	}
}

func testCreate(t *testing.T, b backend.Backend, key string) {
	want := sample(key)
	mustUpsert(t, b, want)
	expectMember(t, mustObserve(t, b, key), want)
}

func testUpdate(t *testing.T, b backend.Backend, key string) {
	mustUpsert(t, b, sample(key))
	want := sample(key)
	want.UserName = "ada.king@example.com"
	want.DisplayName = "Ada King"
	want.FamilyName = "King"
	want.Email = "ada.king@example.com"
	want.ExternalID = ""
	want.Profile = json.RawMessage(`{"title":"Countess"}`)
	want.Extensions = nil // the extension values are gone: {} again
	mustUpsert(t, b, want)
	expectMember(t, mustObserve(t, b, key), want)
}

func testDeactivate(t *testing.T, b backend.Backend, key string) {
	m := sample(key)
	mustUpsert(t, b, m)
	if err := b.Deactivate(ctxFor(t), key); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	m.Active = false
	expectMember(t, mustObserve(t, b, key), m)
}

func testReactivate(t *testing.T, b backend.Backend, key string) {
	m := sample(key)
	mustUpsert(t, b, m)
	if err := b.Deactivate(ctxFor(t), key); err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	mustUpsert(t, b, m)
	expectMember(t, mustObserve(t, b, key), m)
}

func testDelete(t *testing.T, b backend.Backend, key string) {
	mustUpsert(t, b, sample(key))
	if err := b.Delete(ctxFor(t), key); err != nil {
		t.Fatalf("delete: %v", err)
	}
	mustBeAbsent(t, b, key)
}

func testIdempotent(t *testing.T, b backend.Backend, key string) {
	m := sample(key)
	for range 3 {
		mustUpsert(t, b, m)
	}
	expectMember(t, mustObserve(t, b, key), m)
	for range 3 {
		if err := b.Deactivate(ctxFor(t), key); err != nil {
			t.Fatalf("deactivate again: %v", err)
		}
	}
	m.Active = false
	expectMember(t, mustObserve(t, b, key), m)
	for range 3 {
		if err := b.Delete(ctxFor(t), key); err != nil {
			t.Fatalf("delete again: %v", err)
		}
	}
	mustBeAbsent(t, b, key)
}

func testConcurrent(t *testing.T, b backend.Backend, key string) {
	const writers = 8
	variants := make([]backend.Member, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		variants[i] = sample(key)
		variants[i].DisplayName = fmt.Sprintf("Ada %d", i)
		wg.Go(func() {
			if err := b.Upsert(ctxFor(t), variants[i]); err != nil {
				errs <- fmt.Errorf("writer %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent upsert: %v", err)
	}
	got := mustObserve(t, b, key)
	for _, v := range variants {
		if backend.Equal(got, v) {
			return
		}
	}
	t.Fatalf("after concurrent upserts the member is %+v, which no writer wrote", got)
}

func testUnknown(t *testing.T, b backend.Backend, key string) {
	mustBeAbsent(t, b, key)
	if err := b.Deactivate(ctxFor(t), key); err != nil {
		t.Fatalf("deactivate unknown member: %v", err)
	}
	mustBeAbsent(t, b, key)
	if err := b.Delete(ctxFor(t), key); err != nil {
		t.Fatalf("delete unknown member: %v", err)
	}
	mustBeAbsent(t, b, key)
}

func testUnicodeAndLong(t *testing.T, b backend.Backend, key string) {
	m := backend.Member{
		Key:         key,
		UserName:    "zoë.ñúñez@exämple.com",
		ExternalID:  strings.Repeat("x", 512),
		DisplayName: "Zoë Ñúñez 山田太郎 🚀 \"quoted\" 'single' ; DROP TABLE members; --",
		GivenName:   "Zoë",
		FamilyName:  strings.Repeat("Ñ", 1000),
		Email:       "zoë@exämple.com",
		Active:      true,
		Profile:     json.RawMessage(`{"note":"` + strings.Repeat("長", 4000) + `","emoji":"🚀"}`),
	}
	mustUpsert(t, b, m)
	expectMember(t, mustObserve(t, b, key), m)
}

func testIndependentKeys(t *testing.T, b backend.Backend, key string) {
	a, c := sample(key+":a"), sample(key+":c")
	c.UserName = "charles@example.com"
	mustUpsert(t, b, a)
	mustUpsert(t, b, c)
	if err := b.Delete(ctxFor(t), a.Key); err != nil {
		t.Fatalf("delete: %v", err)
	}
	mustBeAbsent(t, b, a.Key)
	expectMember(t, mustObserve(t, b, c.Key), c)
}
