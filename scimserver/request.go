package scimserver

import (
	"net/http"
	"strings"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// request is one authenticated request to a workspace's endpoint, with
// what its endpoint may use.
type request struct {
	opts Options
	// client reads and claims WorkspaceDomains.
	client client.Client
	users  *store.Users
	claims *store.Claims
	clock  clock.PassiveClock

	w http.ResponseWriter
	r *http.Request
	// ws is the workspace the request is for, key its name.
	ws  *identityv1alpha1.Workspace
	key store.Workspace
}

// fail answers a SCIM error; server faults are logged.
func (q *request) fail(e *scimError) {
	if e.status >= http.StatusInternalServerError {
		log.FromContext(q.r.Context()).Info("SCIM request failed", "status", e.status, "detail", e.detail)
	}
	writeError(q.w, e)
}

// tenantURL is the absolute URL of the workspace's endpoint.
func (q *request) tenantURL() string {
	base := q.opts.PublicBaseURL
	if base == "" {
		scheme := "http"
		if q.r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + q.r.Host
	}
	return identityv1alpha1.TenantURL(base, q.ws.Namespace, q.ws.Name)
}

func (q *request) location(u *identityv1alpha1.WorkspaceUser) string {
	return q.tenantURL() + "/Users/" + string(u.UID)
}

func (q *request) resourceOf(u *identityv1alpha1.WorkspaceUser) map[string]any {
	return resource.FromWorkspaceUser(u, q.location(u))
}

// ifMatch reads the If-Match header against u's version. It returns the
// resourceVersion the client insists on ("" when it does not), and a 412
// when the client's version is not the current one.
func (q *request) ifMatch(u *identityv1alpha1.WorkspaceUser) (string, *scimError) {
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
	return "", errorf(http.StatusPreconditionFailed, scimTypeInvalidVers,
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
