package scimserver_test

import (
	"net/http"
	"regexp"
	"testing"

	. "github.com/onsi/gomega"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// mintedKey is a key the SCIM server mints: the workspace's prefix and a UUID.
func mintedKey(ns, ws string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(ns+":"+ws+":") + "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
}

// A user created over SCIM carries its member key in its backend-key
// annotation from the create on, in that one write; PATCH and PUT keep it.
func TestUserCreateMintsTheBackendKey(t *testing.T) {
	g := NewWithT(t)
	r, writes := startRecordedReplica(t)
	tn := newTenant(t, r)
	created := tn.do("POST", "/Users", user("keyed@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	g.Expect(writes.take()).To(BeEmpty(), "a POST is one create: no patch or update after it")

	u := tn.stored(id)
	g.Expect(u).NotTo(BeNil())
	key := u.Annotations[identityv1alpha1.AnnotationBackendKey]
	g.Expect(key).To(MatchRegexp(mintedKey(tn.namespace, "acme").String()))
	g.Expect(key).NotTo(HaveSuffix(id), "the key is not the UID, which a restore cannot keep")

	patched := tn.do("PATCH", "/Users/"+id, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": "Engineer"}},
	})
	g.Expect(patched.status).To(Equal(http.StatusOK), patched.String())
	g.Expect(tn.stored(id).Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, key), "after PATCH")

	body := user("keyed-renamed@example.com")
	body["active"] = false
	put := tn.do("PUT", "/Users/"+id, body)
	g.Expect(put.status).To(Equal(http.StatusOK), put.String())
	after := tn.stored(id)
	g.Expect(after.Spec.UserName).To(Equal("keyed-renamed@example.com"))
	g.Expect(after.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, key), "after PUT")

	other := tn.do("POST", "/Users", user("other-keyed@example.com"))
	g.Expect(other.status).To(Equal(http.StatusCreated), other.String())
	g.Expect(tn.stored(other.body["id"].(string)).Annotations[identityv1alpha1.AnnotationBackendKey]).NotTo(Equal(key))
}

// A group created over SCIM carries its group key likewise; a rename, a
// members PATCH and a PUT keep it.
func TestGroupCreateMintsTheBackendKey(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	member := tn.do("POST", "/Users", user("grouped@example.com"))
	g.Expect(member.status).To(Equal(http.StatusCreated), member.String())
	uid := member.body["id"].(string)

	created := tn.do("POST", "/Groups", group("Keyed"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	gid := created.body["id"].(string)
	key := tn.storedGroup(gid).Annotations[identityv1alpha1.AnnotationBackendKey]
	g.Expect(key).To(MatchRegexp(mintedKey(tn.namespace, "acme").String()))

	patched := tn.do("PATCH", "/Groups/"+gid, membersOp("add", uid))
	g.Expect(patched.status).To(BeElementOf(http.StatusOK, http.StatusNoContent), patched.String())
	g.Expect(tn.storedGroup(gid).Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, key), "after a members PATCH")

	put := tn.do("PUT", "/Groups/"+gid, group("Keyed renamed", uid))
	g.Expect(put.status).To(Equal(http.StatusOK), put.String())
	after := tn.storedGroup(gid)
	g.Expect(after.Spec.DisplayName).To(Equal("Keyed renamed"))
	g.Expect(after.Annotations).To(HaveKeyWithValue(identityv1alpha1.AnnotationBackendKey, key), "after PUT")
}
