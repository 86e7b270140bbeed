package scimserver_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	. "github.com/onsi/gomega"
	testingclock "k8s.io/utils/clock/testing"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver"
)

func TestEntraTestConnectionFindsNothing(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	r := tn.do("GET", filterPath(`userName eq "`+uuid.NewString()+`"`), nil)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.header.Get("Content-Type")).To(Equal("application/scim+json"))
	g.Expect(string(r.raw)).To(MatchJSON(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
		"totalResults":0,"Resources":[],"startIndex":1,"itemsPerPage":0}`))
}

// A GET by id or by filter right after a write by the same replica sees the
// write, though the informer cache may not have it yet.
func TestReadYourWrites(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	for i := 0; i < 20; i++ {
		name := fmt.Sprintf("ryw-%d@example.com", i)
		created := tn.do("POST", "/Users", user(name))
		g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
		id := created.body["id"].(string)

		got := tn.do("GET", "/Users/"+id, nil)
		g.Expect(got.status).To(Equal(http.StatusOK), "GET by id right after POST: %s", got)
		found := tn.do("GET", filterPath(`userName eq "`+name+`"`), nil)
		g.Expect(found.body["totalResults"]).To(BeNumerically("==", 1), "filter right after POST: %s", found)

		patched := tn.do("PATCH", "/Users/"+id, map[string]any{
			"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "externalId", "value": "ext-" + name}},
		})
		g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
		byExt := tn.do("GET", filterPath(`externalId eq "ext-`+name+`"`), nil)
		g.Expect(byExt.body["totalResults"]).To(BeNumerically("==", 1), "filter right after PATCH: %s", byExt)
		again := tn.do("GET", "/Users/"+id, nil)
		g.Expect(again.body["externalId"]).To(Equal("ext-"+name), "GET right after PATCH")
		g.Expect(again.body["meta"].(map[string]any)["version"]).To(Equal(patched.body["meta"].(map[string]any)["version"]))

		if i%2 == 0 {
			g.Expect(tn.do("DELETE", "/Users/"+id, nil).status).To(Equal(http.StatusNoContent))
			g.Expect(tn.do("GET", "/Users/"+id, nil).status).To(Equal(http.StatusNotFound), "GET right after DELETE")
			g.Expect(tn.do("GET", filterPath(`userName eq "`+name+`"`), nil).body["totalResults"]).To(BeNumerically("==", 0))
		}
	}
}

func TestPutReplacesTheUser(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	body := user("put@example.com")
	body["title"] = "Engineer"
	body["active"] = false
	created := tn.do("POST", "/Users", body)
	g.Expect(created.status).To(Equal(http.StatusCreated))
	id := created.body["id"].(string)

	// Okta PUTs the whole user after a GET; attributes left out are cleared,
	// and a left-out active means the default, true (never a suspension).
	r := tn.do("PUT", "/Users/"+id, map[string]any{"userName": "put@example.com", "displayName": "Put"})
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	g.Expect(r.body["id"]).To(Equal(id), "the id stays")
	g.Expect(r.body).NotTo(HaveKey("title"))
	g.Expect(r.body["displayName"]).To(Equal("Put"))
	g.Expect(r.body["active"]).To(BeTrue())
	stored := tn.stored(id)
	g.Expect(stored.Spec.Title).To(BeEmpty())
	g.Expect(stored.IsActive()).To(BeTrue())
	g.Expect(stored.Spec.Emails).To(BeEmpty())

	for _, method := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		var b any
		switch method {
		case "PUT":
			b = user("x@example.com")
		case "PATCH":
			b = map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "x"}}}
		}
		r := tn.do(method, "/Users/"+uuid.NewString(), b)
		g.Expect(r.status).To(Equal(http.StatusNotFound), "%s of an unknown id: %s", method, r)
		g.Expect(r.body["status"]).To(Equal("404"))
	}
}

func TestETagsAndIfMatch(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	created := tn.do("POST", "/Users", user("etag@example.com"))
	id := created.body["id"].(string)
	version := created.body["meta"].(map[string]any)["version"].(string)
	g.Expect(version).To(MatchRegexp(`^W/"\d+"$`))
	g.Expect(created.header.Get("ETag")).To(Equal(version))
	g.Expect(created.header.Get("Location")).To(Equal(created.body["meta"].(map[string]any)["location"]))
	g.Expect(created.header.Get("Location")).To(HavePrefix("http://"), "meta.location is absolute")

	g.Expect(tn.do("GET", "/Users/"+id, nil, "If-None-Match", version).status).To(Equal(http.StatusNotModified))

	patch := map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": "One"}}}
	r := tn.do("PATCH", "/Users/"+id, patch, "If-Match", version)
	g.Expect(r.status).To(Equal(http.StatusOK), r.String())
	newVersion := r.header.Get("ETag")
	g.Expect(newVersion).NotTo(Equal(version))

	stale := tn.do("PATCH", "/Users/"+id, patch, "If-Match", version)
	g.Expect(stale.status).To(Equal(http.StatusPreconditionFailed), stale.String())
	g.Expect(stale.body["status"]).To(Equal("412"))
	g.Expect(tn.do("PUT", "/Users/"+id, user("etag@example.com"), "If-Match", version).status).To(Equal(http.StatusPreconditionFailed))
	g.Expect(tn.do("DELETE", "/Users/"+id, nil, "If-Match", version).status).To(Equal(http.StatusPreconditionFailed))
	g.Expect(tn.stored(id)).NotTo(BeNil(), "a stale DELETE deletes nothing")
	g.Expect(tn.do("DELETE", "/Users/"+id, nil, "If-Match", newVersion).status).To(Equal(http.StatusNoContent))
}

func TestUserNameUniqueness(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	a := tn.do("POST", "/Users", user("Same@Example.com"))
	g.Expect(a.status).To(Equal(http.StatusCreated))
	dup := tn.do("POST", "/Users", user("same@example.COM"))
	g.Expect(dup.status).To(Equal(http.StatusConflict), dup.String())
	g.Expect(dup.body["scimType"]).To(Equal("uniqueness"))

	b := tn.do("POST", "/Users", user("other@example.com"))
	g.Expect(b.status).To(Equal(http.StatusCreated))
	// Renaming onto a taken userName is refused; onto a free one works and frees the old.
	rename := func(id, to string) response {
		return tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "userName", "value": to}}})
	}
	r := rename(b.body["id"].(string), "SAME@example.com")
	g.Expect(r.status).To(Equal(http.StatusConflict), r.String())
	g.Expect(rename(b.body["id"].(string), "renamed@example.com").status).To(Equal(http.StatusOK))
	g.Expect(tn.do("POST", "/Users", user("other@example.com")).status).To(Equal(http.StatusCreated), "the old userName is free again")

	// A deleted user's userName is free again.
	g.Expect(tn.do("DELETE", "/Users/"+a.body["id"].(string), nil).status).To(Equal(http.StatusNoContent))
	again := tn.do("POST", "/Users", user("same@example.com"))
	g.Expect(again.status).To(Equal(http.StatusCreated), again.String())

	// The same userName in another workspace is another user.
	other := newTenantIn(t, startReplica(t), tn.namespace, "second")
	g.Expect(other.do("POST", "/Users", user("same@example.com")).status).To(Equal(http.StatusCreated))
}

func TestBadRequestsGetSCIMErrors(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	tests := []struct {
		name, method, path, contentType string
		body                            string
		status                          int
		scimType                        string
	}{
		{"not JSON", "POST", "/Users", "application/scim+json", `{"userName":`, 400, "invalidSyntax"},
		{"no userName", "POST", "/Users", "application/scim+json", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, 400, "invalidValue"},
		{"a boolean that is not one", "POST", "/Users", "application/json", `{"userName":"b@example.com","active":"perhaps"}`, 400, "invalidValue"},
		{"a NUL character, which no member store keeps", "POST", "/Users", "application/scim+json", `{"userName":"nul@example.com\u0000"}`, 400, "invalidValue"},
		{"too long for the API", "POST", "/Users", "application/json", `{"userName":"` + strings.Repeat("x", 600) + `"}`, 400, "invalidValue"},
		{"text/plain", "POST", "/Users", "text/plain", `{"userName":"c@example.com"}`, 415, ""},
		{"a body over 1 MiB", "POST", "/Users", "application/scim+json", `{"userName":"d@example.com","displayName":"` + strings.Repeat("x", 1<<20) + `"}`, 413, ""},
		{"an unsupported filter", "GET", "/Users?filter=" + urlQueryEscape(`userName xx "a"`), "", "", 400, "invalidFilter"},
		{"a count that is no number", "GET", "/Users?count=many", "", "", 400, "invalidValue"},
		{"PATCH without operations", "PATCH", "/Users/some-id", "application/scim+json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, 400, "invalidSyntax"},
		{"an unknown endpoint", "GET", "/Bulk", "", "", 404, ""},
		{"a method the collection lacks", "DELETE", "/Users", "", "", 405, ""},
	}
	for _, tt := range tests {
		var body any
		if tt.body != "" {
			body = tt.body
		}
		var headers []string
		if tt.contentType != "" {
			headers = []string{"Content-Type", tt.contentType}
		}
		r := tn.do(tt.method, tt.path, body, headers...)
		g.Expect(r.status).To(Equal(tt.status), "%s: %s", tt.name, r)
		g.Expect(r.body["schemas"]).To(ConsistOf("urn:ietf:params:scim:api:messages:2.0:Error"), tt.name)
		g.Expect(r.body["status"]).To(Equal(fmt.Sprint(tt.status)), tt.name)
		g.Expect(r.body["detail"]).NotTo(BeEmpty(), tt.name)
		if tt.scimType != "" {
			g.Expect(r.body["scimType"]).To(Equal(tt.scimType), "%s: %s", tt.name, r)
		}
	}
	g.Expect(tn.do("GET", "/Users", nil).body["totalResults"]).To(BeNumerically("==", 0), "nothing was stored")
}

// POST and PUT bodies follow the same dialect as PATCH (patch.NormalizeResource).
func TestBodiesFollowTheDialect(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))

	body := user("dialect@example.com")
	body["urn:ietf:params:scim:schemas:extension:enterprise:2.0User"] = map[string]any{"department": "Sales", "manager": "m-1"}
	body["active"] = "False"
	created := tn.do("POST", "/Users", body)
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	stored := tn.stored(created.body["id"].(string))
	g.Expect(stored.Spec.Enterprise).NotTo(BeNil(), "the extension sent under the misspelt URN is kept")
	g.Expect(stored.Spec.Enterprise.Department).To(Equal("Sales"))
	g.Expect(stored.Spec.Enterprise.Manager.Value).To(Equal("m-1"))
	g.Expect(stored.IsActive()).To(BeFalse())

	// photos is not stored: under unknownAttributes Ignore (the default)
	// the user is, without it (unknown_attributes_test.go has Reject).
	photos := user("photos@example.com")
	photos["photos"] = []any{map[string]any{"value": "https://example.com/p.jpg"}}
	kept := tn.do("POST", "/Users", photos)
	g.Expect(kept.status).To(Equal(http.StatusCreated), kept.String())
	g.Expect(kept.body).NotTo(HaveKey("photos"))

	blank := tn.do("PUT", "/Users/"+string(stored.UID), map[string]any{"userName": "  "})
	g.Expect(blank.status).To(Equal(http.StatusBadRequest), blank.String())
	g.Expect(blank.body["scimType"]).To(Equal("invalidValue"))
	g.Expect(blank.body["detail"]).To(ContainSubstring("userName"))

	g.Expect(tn.do("GET", "/Users", nil).body["totalResults"]).To(BeNumerically("==", 2), "nothing refused was stored")
}

// A PUT or PATCH that changes nothing is not written: meta.version and
// meta.lastModified stay, so a delta query on meta.lastModified does not
// report the user as changed. An Okta PUT that leaves out active (true) is
// such a PUT for an active user.
func TestUnchangingWritesAreNotWritten(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r)
	body := user("same@example.com")
	created := tn.do("POST", "/Users", body)
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	version := created.header.Get("ETag")
	// Later writes happen an hour later: a write would move lastModified.
	later := time.Now().Add(time.Hour)
	scimserver.SetClock(r.server, testingclock.NewFakePassiveClock(later))

	delete(body, "active")
	put := tn.do("PUT", "/Users/"+id, body)
	g.Expect(put.status).To(Equal(http.StatusOK), put.String())
	g.Expect(put.body["active"]).To(BeTrue())
	g.Expect(put.header.Get("ETag")).To(Equal(version), "a PUT without active of an active user changes nothing")

	patch := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{
		map[string]any{"op": "Replace", "path": "active", "value": "True"},
		map[string]any{"op": "Replace", "path": "name.givenName", "value": "Given"},
	}})
	g.Expect(patch.status).To(Equal(http.StatusOK), patch.String())
	g.Expect(patch.header.Get("ETag")).To(Equal(version), "a PATCH that sets what is there changes nothing")
}

// Writes through two replicas whose caches lag each other: a PATCH built
// on a stale read loses to the write of the spec that came first (its
// generation test fails), and is re-applied on a fresh read, so no change
// is lost.
func TestConcurrentPatchesThroughTwoReplicasLoseNothing(t *testing.T) {
	g := NewWithT(t)
	a, writesA := startRecordedReplica(t)
	b, writesB := startRecordedReplica(t)
	onA := newTenant(t, a)
	onB := onA.on(b)
	g.Eventually(func() int { return onB.do("GET", "/ServiceProviderConfig", nil).status }).Should(Equal(http.StatusOK))
	created := onA.do("POST", "/Users", user("busy@example.com"))
	id := created.body["id"].(string)
	g.Eventually(func() int { return onB.do("GET", "/Users/"+id, nil).status }).Should(Equal(http.StatusOK))
	writesA.take()
	writesB.take()

	attrs := []string{"displayName", "nickName", "title", "userType", "preferredLanguage", "locale", "timezone", "profileUrl"}
	// The first write of every PATCH waits until all have read the user
	// (or a few seconds pass), so that all but one lose the race.
	var arrived sync.WaitGroup
	arrived.Add(len(attrs))
	allRead := make(chan struct{})
	go func() { arrived.Wait(); close(allRead) }()
	var mu sync.Mutex
	firsts := 0
	barrier := func(string, *identityv1alpha1.WorkspaceUser) {
		mu.Lock()
		first := firsts < len(attrs)
		firsts++
		mu.Unlock()
		if first {
			arrived.Done()
			select {
			case <-allRead:
			case <-time.After(5 * time.Second):
			}
		}
	}
	writesA.setBefore(barrier)
	writesB.setBefore(barrier)
	var wg sync.WaitGroup
	for i, attr := range attrs {
		tn := onA
		if i%2 == 1 {
			tn = onB
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{map[string]any{"op": "add", "path": attr, "value": "v-" + attr}}})
			if r.status != http.StatusOK {
				t.Errorf("PATCH %s: %s", attr, r)
			}
		}()
	}
	wg.Wait()
	outcomes := append(writesA.take(), writesB.take()...)
	g.Expect(outcomes).NotTo(ContainElement("patch conflict"), "no 409: the writes are conditional on the generation")
	g.Expect(outcomes).To(HaveEach(BeElementOf("patch ok", "patch invalid")))
	lost := 0
	for _, o := range outcomes {
		if o == "patch invalid" {
			lost++
		}
	}
	g.Expect(lost).To(BeNumerically(">=", len(attrs)-1), "all but one of the first writes lose on the generation test: %v", outcomes)
	g.Expect(len(outcomes)-lost).To(Equal(len(attrs)), "one successful write per PATCH")
	stored := onA.stored(id)
	g.Expect(stored.Generation).To(BeNumerically("==", 1+len(attrs)), "each PATCH wrote the spec once")
	g.Expect(stored.Spec.DisplayName).To(Equal("v-displayName"))
	g.Expect(stored.Spec.NickName).To(Equal("v-nickName"))
	g.Expect(stored.Spec.Title).To(Equal("v-title"))
	g.Expect(stored.Spec.UserType).To(Equal("v-userType"))
	g.Expect(stored.Spec.PreferredLanguage).To(Equal("v-preferredLanguage"))
	g.Expect(stored.Spec.Locale).To(Equal("v-locale"))
	g.Expect(stored.Spec.Timezone).To(Equal("v-timezone"))
	g.Expect(stored.Spec.ProfileURL).To(Equal("v-profileUrl"))
	// Each replica sees the other's writes once its cache has them.
	for _, tn := range []*tenant{onA, onB} {
		g.Eventually(func(g Gomega) {
			final := tn.do("GET", "/Users/"+id, nil)
			for _, attr := range attrs {
				g.Expect(final.body).To(HaveKeyWithValue(attr, "v-"+attr))
			}
		}).WithTimeout(5 * time.Second).Should(Succeed())
	}
}
