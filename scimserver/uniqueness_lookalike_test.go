package scimserver_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// lookAlikes are userNames a person cannot tell apart: each pair is one user.
var lookAlikes = []struct{ name, first, second string }{
	{"precomposed and combining diaeresis", "zo\u00eb@example.com", "zoe\u0308@example.com"},
	{"ASCII and full-width", "admin@example.com", "\uff41dmin@example.com"},
	{"upper-case full-width and lower-case ASCII", "\uff2f\uff30\uff33@example.com", "ops@example.com"},
	{"precomposed upper-case and decomposed lower-case", "\u00c9lodie@example.com", "e\u0301lodie@example.com"},
	{"runs of spaces", "Ada Lovelace", " ada  lovelace "},
}

// A second POST of a look-alike of a userName is 409 uniqueness; the
// stored userName is what the identity provider sent.
func TestLookAlikeUserNamesAreOneUser(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	for _, la := range lookAlikes {
		created := tn.do("POST", "/Users", user(la.first))
		g.Expect(created.status).To(Equal(http.StatusCreated), "%s: %s", la.name, created)
		g.Expect(created.body["userName"]).To(Equal(la.first), la.name)
		g.Expect(tn.stored(created.body["id"].(string)).Spec.UserName).To(Equal(la.first), la.name)

		dup := tn.do("POST", "/Users", user(la.second))
		g.Expect(dup.status).To(Equal(http.StatusConflict), "%s: %s", la.name, dup)
		g.Expect(dup.body["scimType"]).To(Equal("uniqueness"), la.name)

		found := tn.do("GET", filterPath(`userName eq "`+la.second+`"`), nil)
		g.Expect(found.status).To(Equal(http.StatusOK), found.String())
		g.Expect(found.body["totalResults"]).To(BeEquivalentTo(1), "%s: a filter with the look-alike finds the user: %s", la.name, found)
	}
}

// A userName with a code point that makes look-alikes (a bidirectional
// override, a zero-width joiner, a non-ASCII space) is 400 invalidValue
// naming userName, on POST, PUT and PATCH, and nothing is written.
func TestUserNameWithDisallowedCodePointsIsRefused(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	tn := newTenant(t, startReplica(t))
	for _, bad := range []string{"adm\u202eni@example.com", "ad\u200dmin@example.com", "ad\u00a0min@example.com"} {
		resp := tn.do("POST", "/Users", user(bad))
		g.Expect(resp.status).To(Equal(http.StatusBadRequest), "%q: %s", bad, resp)
		g.Expect(resp.body["scimType"]).To(Equal("invalidValue"))
		g.Expect(resp.body["detail"]).To(ContainSubstring("userName"))
	}
	users := &identityv1alpha1.WorkspaceUserList{}
	g.Expect(env.Client.List(ctx, users, client.InNamespace(tn.namespace))).To(Succeed())
	g.Expect(users.Items).To(BeEmpty())
	leases := &coordinationv1.LeaseList{}
	g.Expect(env.Client.List(ctx, leases, client.InNamespace(tn.namespace))).To(Succeed())
	g.Expect(leases.Items).To(BeEmpty(), "no userName claim either")

	created := tn.do("POST", "/Users", user("ada@example.com"))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	id := created.body["id"].(string)
	patch := tn.do("PATCH", "/Users/"+id, map[string]any{"Operations": []any{
		map[string]any{"op": "Replace", "path": "userName", "value": "ad\u202ea@example.com"}}})
	g.Expect(patch.status).To(Equal(http.StatusBadRequest), patch.String())
	g.Expect(patch.body["scimType"]).To(Equal("invalidValue"))
	put := tn.do("PUT", "/Users/"+id, user("ad\u202ea@example.com"))
	g.Expect(put.status).To(Equal(http.StatusBadRequest), put.String())
	g.Expect(tn.stored(id).Spec.UserName).To(Equal("ada@example.com"))
}

// A rename to a look-alike of another user's userName is 409; a rename to
// a look-alike of the user's own userName is stored as sent.
func TestRenameToALookAlikeOfAnotherUserIsRefused(t *testing.T) {
	g := NewWithT(t)
	tn := newTenant(t, startReplica(t))
	zoe := tn.do("POST", "/Users", user("zo\u00eb@example.com"))
	g.Expect(zoe.status).To(Equal(http.StatusCreated), zoe.String())
	other := tn.do("POST", "/Users", user("someone@example.com"))
	g.Expect(other.status).To(Equal(http.StatusCreated), other.String())
	otherID := other.body["id"].(string)

	rename := func(to string) map[string]any {
		return map[string]any{"Operations": []any{map[string]any{"op": "Replace", "path": "userName", "value": to}}}
	}
	patched := tn.do("PATCH", "/Users/"+otherID, rename("ZOE\u0308@example.com"))
	g.Expect(patched.status).To(Equal(http.StatusConflict), patched.String())
	g.Expect(patched.body["scimType"]).To(Equal("uniqueness"))
	put := tn.do("PUT", "/Users/"+otherID, user("\uff5a\uff4f\u00eb@example.com"))
	g.Expect(put.status).To(Equal(http.StatusConflict), put.String())
	g.Expect(tn.stored(otherID).Spec.UserName).To(Equal("someone@example.com"))

	self := tn.do("PATCH", "/Users/"+zoe.body["id"].(string), rename("zoe\u0308@example.com"))
	g.Expect(self.status).To(Equal(http.StatusOK), self.String())
	g.Expect(self.body["userName"]).To(Equal("zoe\u0308@example.com"))
}

// Before userNames were keyed by username.Key, a claim was named after the
// lower-cased userName. A user created then keeps that claim; when it is
// deleted (or renamed) that claim goes too, not only the one named the new
// way.
func TestDeleteReleasesAClaimNamedTheOldWay(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	tn := newTenant(t, startReplica(t))
	const userName = "Zoe\u0308@example.com"
	created := tn.do("POST", "/Users", user(userName))
	g.Expect(created.status).To(Equal(http.StatusCreated), created.String())
	holder := tn.stored(created.body["id"].(string)).Name

	sum := sha256.Sum256([]byte(tn.workspace.Name + "\x00" + strings.ToLower(userName)))
	legacy := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: tn.namespace, Name: "scim-username-" + hex.EncodeToString(sum[:20]),
			Labels: map[string]string{identityv1alpha1.LabelWorkspace: tn.workspace.Name, store.LabelClaim: "userName"}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder},
	}
	g.Expect(env.Client.Create(ctx, legacy)).To(Succeed())
	leases := &coordinationv1.LeaseList{}
	g.Expect(env.Client.List(ctx, leases, client.InNamespace(tn.namespace))).To(Succeed())
	g.Expect(leases.Items).To(HaveLen(2), "the claim named the new way and the one named the old way differ")

	g.Expect(tn.do("DELETE", "/Users/"+created.body["id"].(string), nil).status).To(Equal(http.StatusNoContent))
	g.Expect(env.Client.List(ctx, leases, client.InNamespace(tn.namespace))).To(Succeed())
	g.Expect(leases.Items).To(BeEmpty())
}
