package scimserver_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	. "github.com/onsi/gomega"

	"github.com/rollcall-dev/rollcall/scimserver"
)

// TestGroupMemberThatIsNoUserWritesNothing: a member id that is no user of
// the workspace is 400 invalidValue naming it, and nothing of the request is
// written: not the valid members beside it, not a rename in the same PATCH,
// not a group on POST.
func TestGroupMemberThatIsNoUserWritesNothing(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	u1 := tn.do("POST", "/Users", user("one@"+tn.namespace+".test")).body["id"].(string)
	u2 := tn.do("POST", "/Users", user("two@"+tn.namespace+".test")).body["id"].(string)
	other := newTenant(t, startReplica(t))
	stranger := other.do("POST", "/Users", user("stranger@"+other.namespace+".test")).body["id"].(string)
	ghost := uuid.NewString()

	created := tn.do("POST", "/Groups", group("Team", u1))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	gid := created.body["id"].(string)
	version := created.header.Get("ETag")

	for _, unknown := range []string{ghost, stranger} {
		body := map[string]any{"Operations": []any{
			map[string]any{"op": "replace", "path": "displayName", "value": "Renamed"},
			map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": u2}, map[string]any{"value": unknown}}},
		}}
		r := tn.do("PATCH", "/Groups/"+gid, body)
		g.Expect(r.status).To(Equal(http.StatusBadRequest), r.String())
		g.Expect(r.body["scimType"]).To(Equal("invalidValue"))
		g.Expect(r.body["detail"]).To(ContainSubstring(unknown))
		members, _ := tn.storedMembers(gid)
		g.Expect(members).To(Equal([]string{u1}))
		g.Expect(tn.storedGroup(gid).Spec.DisplayName).To(Equal("Team"))
		g.Expect(tn.do("GET", "/Groups/"+gid, nil).header.Get("ETag")).To(Equal(version))
	}

	r := tn.do("PUT", "/Groups/"+gid, group("Team", ghost))
	g.Expect(r.status).To(Equal(http.StatusBadRequest), r.String())
	members, _ := tn.storedMembers(gid)
	g.Expect(members).To(Equal([]string{u1}))

	r = tn.do("POST", "/Groups", group("Ghosts", u1, ghost))
	g.Expect(r.status).To(Equal(http.StatusBadRequest), r.String())
	g.Expect(r.body["detail"]).To(ContainSubstring(ghost))
	list := tn.do("GET", "/Groups?filter="+urlQueryEscape(`displayName eq "Ghosts"`), nil)
	g.Expect(list.body["totalResults"]).To(BeNumerically("==", 0))
	// The refused POST left its displayName free.
	g.Expect(tn.do("POST", "/Groups", group("Ghosts")).status).To(Equal(http.StatusCreated))
}

// TestGroupOfGroupsRefused: nested groups are not supported: a member of
// type Group is 400 invalidValue.
func TestGroupOfGroupsRefused(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	inner := tn.do("POST", "/Groups", group("Inner")).body["id"].(string)
	body := group("Outer")
	body["members"] = []any{map[string]any{"value": inner, "type": "Group"}}
	r := tn.do("POST", "/Groups", body)
	g.Expect(r.status).To(Equal(http.StatusBadRequest), r.String())
	g.Expect(r.body["scimType"]).To(Equal("invalidValue"))
	g.Expect(r.body["detail"]).To(ContainSubstring("nested groups"))
}

// TestGroupDisplayNameRaceAcrossReplicas: POSTs of one displayName (in
// different cases) through two replicas at once end with exactly one group.
func TestGroupDisplayNameRaceAcrossReplicas(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	tn := newTenant(t, a)
	tenants := []*tenant{tn, tn.on(b)}
	newTenantIn(t, b, tn.namespace, "other") // b serves the namespace too
	const racers = 8
	statuses := make([]int, racers)
	var wg sync.WaitGroup
	for i := 0; i < racers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "Platform"
			if i%2 == 1 {
				name = "PLATFORM"
			}
			statuses[i] = tenants[i%2].do("POST", "/Groups", group(name)).status
		}()
	}
	wg.Wait()
	g.Expect(statuses).To(ContainElement(http.StatusCreated))
	created := 0
	for _, s := range statuses {
		g.Expect(s).To(BeElementOf(http.StatusCreated, http.StatusConflict))
		if s == http.StatusCreated {
			created++
		}
	}
	g.Expect(created).To(Equal(1), "statuses %v", statuses)
	g.Expect(tn.do("GET", "/Groups", nil).body["totalResults"]).To(BeNumerically("==", 1))
}

// TestGroupPatchesFromTwoReplicasBothLand: PATCHes adding different members
// to one group through two replicas at once all land.
func TestGroupPatchesFromTwoReplicasBothLand(t *testing.T) {
	g := NewWithT(t)
	a, b := startReplica(t), startReplica(t)
	tn := newTenant(t, a)
	onB := tn.on(b)
	ids := tn.createUsers(40, "racer")
	tn.waitForUsers(t, ids)
	onB.waitForUsers(t, ids)
	gid := tn.do("POST", "/Groups", group("Racers")).body["id"].(string)
	// Replica b learns of the group from its cache.
	g.Eventually(func() int { return onB.do("GET", "/Groups/"+gid, nil).status }).Should(Equal(http.StatusOK))
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			via := []*tenant{tn, onB}[i%2]
			statuses[i] = via.do("PATCH", "/Groups/"+gid, membersOp("add", ids[i*5:i*5+5]...)).status
		}()
	}
	wg.Wait()
	g.Expect(statuses).To(HaveEach(http.StatusNoContent), "statuses %v", statuses)
	members, _ := tn.storedMembers(gid)
	want := slices.Clone(ids)
	slices.Sort(want)
	g.Expect(members).To(Equal(want))
	// And a concurrent add and remove of others on both.
	wg.Add(2)
	go func() {
		defer wg.Done()
		statuses[0] = tn.do("PATCH", "/Groups/"+gid, membersOp("remove", ids[:20]...)).status
	}()
	go func() {
		defer wg.Done()
		statuses[1] = onB.do("PATCH", "/Groups/"+gid, membersOp("remove", ids[20:30]...)).status
	}()
	wg.Wait()
	g.Expect(statuses[:2]).To(HaveEach(http.StatusNoContent))
	members, _ = tn.storedMembers(gid)
	want = slices.Clone(ids[30:])
	slices.Sort(want)
	g.Expect(members).To(Equal(want))
}

// TestGroupExcludedMembersReadsNoShards: excludedAttributes=members (and
// attributes without members) answer without reading the membership
// shards at all; with members they are read.
func TestGroupExcludedMembersReadsNoShards(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r)
	u := tn.do("POST", "/Users", user("x@"+tn.namespace+".test")).body["id"].(string)
	gid := tn.do("POST", "/Groups", group("Readers", u)).body["id"].(string)
	before := scimserver.MembershipReads(r.server)
	for _, path := range []string{
		"/Groups/" + gid + "?excludedAttributes=members",
		"/Groups/" + gid + "?attributes=displayName",
		"/Groups?excludedAttributes=members&filter=" + urlQueryEscape(`displayName eq "Readers"`),
		"/Groups?excludedAttributes=members",
	} {
		resp := tn.do("GET", path, nil)
		g.Expect(resp.status).To(Equal(http.StatusOK), resp.String())
		g.Expect(string(resp.raw)).NotTo(ContainSubstring(`"members"`), path)
	}
	g.Expect(scimserver.MembershipReads(r.server)).To(Equal(before), "a request without members read the shards")
	resp := tn.do("GET", "/Groups/"+gid+"?excludedAttributes=members.display", nil)
	g.Expect(resp.body["members"]).To(Equal([]any{map[string]any{"value": u, "type": "User", "$ref": tn.base + "/Users/" + u}}))
	g.Expect(scimserver.MembershipReads(r.server)).To(BeNumerically(">", before))
}

// TestGroupReadYourWrites: a GET right after a PATCH on the same replica
// sees the change, every time.
func TestGroupReadYourWrites(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	ids := tn.createUsers(20, "ryw")
	tn.waitForUsers(t, ids)
	gid := tn.do("POST", "/Groups", group("Fresh")).body["id"].(string)
	for i, id := range ids {
		g.Expect(tn.do("PATCH", "/Groups/"+gid, membersOp("add", id)).status).To(Equal(http.StatusNoContent))
		got := tn.do("GET", "/Groups/"+gid, nil)
		g.Expect(got.body["members"]).To(HaveLen(i+1), "after adding member %d", i+1)
		g.Expect(tn.do("GET", "/Groups?filter="+urlQueryEscape(`id eq "`+gid+`" and members eq "`+id+`"`), nil).body["totalResults"]).To(BeNumerically("==", 1))
	}
	g.Expect(tn.do("PATCH", "/Groups/"+gid, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "Fresher"}}}).status).
		To(Equal(http.StatusNoContent))
	g.Expect(tn.do("GET", "/Groups/"+gid+"?attributes=displayName", nil).body["displayName"]).To(Equal("Fresher"))
}

// TestGroupVersions: a member change and a rename each move the version;
// If-Match with an old version is 412 and writes nothing; a PATCH that
// changes nothing keeps it.
func TestGroupVersions(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	u := tn.do("POST", "/Users", user("v@"+tn.namespace+".test")).body["id"].(string)
	created := tn.do("POST", "/Groups", group("Versioned"))
	gid, v0 := created.body["id"].(string), created.header.Get("ETag")
	add := tn.do("PATCH", "/Groups/"+gid, membersOp("add", u), "If-Match", v0)
	g.Expect(add.status).To(Equal(http.StatusNoContent), add.String())
	v1 := add.header.Get("ETag")
	g.Expect(v1).NotTo(Equal(v0))
	g.Expect(tn.do("GET", "/Groups/"+gid, nil).header.Get("ETag")).To(Equal(v1))
	again := tn.do("PATCH", "/Groups/"+gid, membersOp("add", u))
	g.Expect(again.header.Get("ETag")).To(Equal(v1), "adding a member again changes nothing")

	stale := tn.do("PATCH", "/Groups/"+gid, membersOp("remove", u), "If-Match", v0)
	g.Expect(stale.status).To(Equal(http.StatusPreconditionFailed), stale.String())
	members, _ := tn.storedMembers(gid)
	g.Expect(members).To(Equal([]string{u}))
	rename := tn.do("PUT", "/Groups/"+gid, group("Versioned 2", u), "If-Match", v1)
	g.Expect(rename.status).To(Equal(http.StatusOK), rename.String())
	g.Expect(rename.header.Get("ETag")).NotTo(Equal(v1))
	g.Expect(tn.do("GET", "/Groups/"+gid, nil, "If-None-Match", rename.header.Get("ETag")).status).To(Equal(http.StatusNotModified))
	g.Expect(tn.do("DELETE", "/Groups/"+gid, nil, "If-Match", v1).status).To(Equal(http.StatusPreconditionFailed))
	g.Expect(tn.do("DELETE", "/Groups/"+gid, nil, "If-Match", rename.header.Get("ETag")).status).To(Equal(http.StatusNoContent))
}

// TestGroupDiscovery: /ResourceTypes and /Schemas advertise Group.
func TestGroupDiscovery(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	types := tn.do("GET", "/ResourceTypes", nil)
	g.Expect(types.body["totalResults"]).To(BeNumerically("==", 2))
	rt := tn.do("GET", "/ResourceTypes/Group", nil)
	g.Expect(rt.status).To(Equal(http.StatusOK))
	g.Expect(rt.body["endpoint"]).To(Equal("/Groups"))
	g.Expect(rt.body["schema"]).To(Equal(urnGroup))
	s := tn.do("GET", "/Schemas/"+urnGroup, nil)
	g.Expect(s.status).To(Equal(http.StatusOK), s.String())
	var members map[string]any
	for _, a := range s.body["attributes"].([]any) {
		if a.(map[string]any)["name"] == "members" {
			members = a.(map[string]any)
		}
	}
	g.Expect(members).NotTo(BeNil())
	var subs []string
	for _, sub := range members["subAttributes"].([]any) {
		subs = append(subs, sub.(map[string]any)["name"].(string))
	}
	g.Expect(subs).To(ConsistOf("value", "$ref", "display", "type"))
	g.Expect(tn.do("GET", "/Schemas", nil).body["totalResults"]).To(BeNumerically("==", 3))
}

// TestLargeGroupSplitsIntoSixteenShards: 12,000 members, added 4,000 per
// PATCH, do not fit one shard of 5,000: the group ends in sixteen shards,
// none over 5,000, and reads back exactly.
func TestLargeGroupSplitsIntoSixteenShards(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 12,000 users")
	}
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	ids := tn.createUsers(12_000, "big")
	tn.waitForUsers(t, ids)
	gid := tn.do("POST", "/Groups", group("Everyone")).body["id"].(string)
	for i := 0; i < len(ids); i += 4000 {
		r := tn.do("PATCH", "/Groups/"+gid, membersOp("Add", ids[i:i+4000]...))
		g.Expect(r.status).To(Equal(http.StatusNoContent), r.String())
	}
	members, shards := tn.storedMembers(gid)
	want := slices.Clone(ids)
	slices.Sort(want)
	g.Expect(members).To(Equal(want))
	g.Expect(shards).To(HaveLen(16))
	for _, s := range shards {
		g.Expect(len(s.Spec.Members)).To(BeNumerically("<=", 5000), s.Name)
		g.Expect(s.Spec.HashPrefix).To(HaveLen(1))
	}
	got := tn.do("GET", "/Groups/"+gid, nil)
	g.Expect(got.status).To(Equal(http.StatusOK))
	var read []string
	for _, m := range got.body["members"].([]any) {
		read = append(read, m.(map[string]any)["value"].(string))
	}
	g.Expect(read).To(Equal(want), fmt.Sprintf("read back %d members", len(read)))
}
