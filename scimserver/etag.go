package scimserver

import (
	"net/http"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// ifMatch reads the If-Match header against u's version. It returns the
// resourceVersion the client insists on ("" when it does not), and a 412
// when the client's version is not the current one.
func (q *request) ifMatch(u *identityv1alpha1.WorkspaceUser) (string, *scimerr.Error) {
	header := strings.TrimSpace(q.r.Header.Get("If-Match"))
	if header == "" {
		return "", nil
	}
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return "", nil
		}
		if etagVersion(tag) == u.ResourceVersion {
			return u.ResourceVersion, nil
		}
	}
	return "", scimerr.New(http.StatusPreconditionFailed, scimerr.InvalidVers,
		"If-Match %s does not match the current version %s: read the user again and retry", header, resource.Version(u.ResourceVersion))
}

// ifNoneMatch reports whether the If-None-Match header names u's version.
func (q *request) ifNoneMatch(u *identityv1alpha1.WorkspaceUser) bool {
	for _, tag := range strings.Split(q.r.Header.Get("If-None-Match"), ",") {
		if tag = strings.TrimSpace(tag); tag != "" && (tag == "*" || etagVersion(tag) == u.ResourceVersion) {
			return true
		}
	}
	return false
}

// etagVersion is the resourceVersion inside an entity tag: W/"12" → 12.
func etagVersion(tag string) string {
	tag = strings.TrimPrefix(strings.TrimPrefix(tag, "W/"), "w/")
	return strings.Trim(tag, `"`)
}
