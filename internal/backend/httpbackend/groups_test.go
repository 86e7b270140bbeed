package httpbackend_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// GroupMembers asks for every page, each after the last key of the one
// before, and returns the whole list once.
func TestGroupMembersWalksEveryPage(t *testing.T) {
	api := startMemberAPI(t)
	api.PageSize = 7
	rec := &recorder{}
	b := newClient(t, api.URL(), func(o *httpbackend.Options) { o.Client = &http.Client{Transport: rec} })
	ctx := context.Background()
	var want []string
	for i := range 50 {
		k := fmt.Sprintf("ns:acme:%03d", i)
		if err := b.Upsert(ctx, member(k, "M")); err != nil {
			t.Fatal(err)
		}
		want = append(want, k)
	}
	if err := b.UpsertGroup(ctx, backend.Group{Key: "g", DisplayName: "G"}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddGroupMembers(ctx, "g", want); err != nil {
		t.Fatal(err)
	}
	first := len(rec.reqs)
	got, err := b.GroupMembers(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("members = %d keys %v, want the 50 added", len(got), got)
	}
	var afters []string
	for _, r := range rec.reqs[first:] {
		if r.URL.Query().Get("limit") != fmt.Sprint(httpbackend.MembersPageSize) {
			t.Errorf("page request %s does not ask for limit=%d", r.URL, httpbackend.MembersPageSize)
		}
		afters = append(afters, r.URL.Query().Get("after"))
	}
	wantAfters := []string{"", "ns:acme:006", "ns:acme:013", "ns:acme:020", "ns:acme:027", "ns:acme:034", "ns:acme:041", "ns:acme:048"}
	if !slices.Equal(afters, wantAfters) {
		t.Fatalf("pages asked after %q, want %q", afters, wantAfters)
	}
}

// An application whose next key does not move forward gets an error, not
// a driver that pages forever.
func TestGroupMembersRefusesPagesThatDoNotMoveForward(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"members":["a"],"next":"a"}`))
	}))
	t.Cleanup(srv.Close)
	_, err := newClient(t, srv.URL).GroupMembers(context.Background(), "g")
	if got := backend.KindOf(err); err == nil || got != backend.KindInvalidConfig {
		t.Fatalf("error %v (kind %s), want InvalidConfig", err, got)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d page requests, want 2 (the second repeats next)", n)
	}
}

// Group calls are signed like member calls: a wrong signing key changes nothing.
func TestForgedGroupCallsAreRefused(t *testing.T) {
	api := startMemberAPI(t)
	ctx := context.Background()
	honest := newClient(t, api.URL())
	if err := honest.Upsert(ctx, member("m", "Ada")); err != nil {
		t.Fatal(err)
	}
	if err := honest.UpsertGroup(ctx, backend.Group{Key: "g", DisplayName: "Honest"}); err != nil {
		t.Fatal(err)
	}
	forger := newClient(t, api.URL(), func(o *httpbackend.Options) { o.SigningKey = []byte("guessed") })
	for name, call := range map[string]func() error{
		"put":    func() error { return forger.UpsertGroup(ctx, backend.Group{Key: "g", DisplayName: "Forged"}) },
		"get":    func() error { _, _, err := forger.ObserveGroup(ctx, "g"); return err },
		"delete": func() error { return forger.DeleteGroup(ctx, "g") },
		"list":   func() error { _, err := forger.GroupMembers(ctx, "g"); return err },
		"add":    func() error { return forger.AddGroupMembers(ctx, "g", []string{"m"}) },
		"remove": func() error { return forger.RemoveGroupMembers(ctx, "g", []string{"m"}) },
	} {
		if err := call(); backend.KindOf(err) != backend.KindInvalidCredentials {
			t.Errorf("forged %s: error %v, want InvalidCredentials", name, err)
		}
	}
	if g, ok := api.Group("g"); !ok || g.DisplayName != "Honest" {
		t.Fatalf("after forged calls the group is %+v (found %t)", g, ok)
	}
	if got := api.Memberships("g"); len(got) != 0 {
		t.Fatalf("after forged calls the group's members are %v", got)
	}
}

// Adding members to a group the application lacks is refused as Rejected;
// the reference server answers 404, which the driver maps.
func TestAddToUnknownGroupIsRejected(t *testing.T) {
	api := startMemberAPI(t)
	b := newClient(t, api.URL())
	ctx := context.Background()
	if err := b.Upsert(ctx, member("m", "Ada")); err != nil {
		t.Fatal(err)
	}
	for _, keys := range [][]string{{"m"}, nil} {
		err := b.AddGroupMembers(ctx, "nope", keys)
		if got := backend.KindOf(err); err == nil || got != backend.KindRejected {
			t.Errorf("add %v to an unknown group: error %v (kind %s), want Rejected", keys, err, got)
		}
	}
	if _, ok := api.Group("nope"); ok {
		t.Fatal("adding members created the group")
	}
}
