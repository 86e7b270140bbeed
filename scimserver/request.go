package scimserver

import (
	"net/http"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
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
	// groups and members read and write WorkspaceGroups and their
	// membership shards.
	groups  *store.Groups
	members *store.Memberships
	clock   clock.PassiveClock

	w http.ResponseWriter
	r *http.Request
	// ws is the workspace the request is for, key its name.
	ws *identityv1alpha1.Workspace
	// set is the workspace's schema Set, made on first use (schemas).
	set *schema.Set
	key store.Workspace
	// audit is the record of a SCIM write, nil for other requests; the
	// handlers name the object written on it.
	audit *audit
}

// fail answers a SCIM error; server faults are logged.
func (q *request) fail(e *scimerr.Error) {
	if e.Status >= http.StatusInternalServerError {
		log.FromContext(q.r.Context()).Info("SCIM request failed", "status", e.Status, "detail", e.Detail)
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
	return resource.FromWorkspaceUserIn(q.schemaSet(), u, q.location(u))
}
