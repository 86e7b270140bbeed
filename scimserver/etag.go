package scimserver

import (
	"net/http"
	"strconv"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// ifMatch reads the If-Match header against u's version, its
// metadata.generation. It returns the generation the client insists on (0
// when it does not), and a 412 when the client's version is not the current
// one.
func (q *request) ifMatch(u *identityv1alpha1.WorkspaceUser) (int64, *scimerr.Error) {
	header := strings.TrimSpace(q.r.Header.Get("If-Match"))
	if header == "" {
		return 0, nil
	}
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return 0, nil
		}
		if g, ok := etagGeneration(tag); ok && g == u.Generation {
			return u.Generation, nil
		}
	}
	return 0, scimerr.New(http.StatusPreconditionFailed, scimerr.InvalidVers,
		"If-Match %s does not match the current version %s: read the user again and retry", header, resource.Version(u.Generation))
}

// ifNoneMatch reports whether the If-None-Match header names u's version.
func (q *request) ifNoneMatch(u *identityv1alpha1.WorkspaceUser) bool {
	for _, tag := range strings.Split(q.r.Header.Get("If-None-Match"), ",") {
		if tag = strings.TrimSpace(tag); tag == "*" {
			return true
		}
		if g, ok := etagGeneration(tag); ok && g == u.Generation {
			return true
		}
	}
	return false
}

// etagGeneration is the generation inside an entity tag: W/"12" → 12. A tag
// that holds no positive decimal number names no version of any user: ok is
// false, a mismatch.
func etagGeneration(tag string) (int64, bool) {
	tag = strings.TrimPrefix(strings.TrimPrefix(tag, "W/"), "w/")
	g, err := strconv.ParseInt(strings.Trim(tag, `"`), 10, 64)
	return g, err == nil && g > 0
}
