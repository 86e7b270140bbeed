package scimserver

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// Resource names, as in the URL and the metrics.
const (
	resourceUsers                 = "Users"
	resourceGroups                = "Groups"
	resourceServiceProviderConfig = "ServiceProviderConfig"
	resourceResourceTypes         = "ResourceTypes"
	resourceSchemas               = "Schemas"
)

// route is a parsed request path: /scim/v2/<namespace>/<workspace>/<resource>[/<id>].
type route struct {
	workspace store.Workspace
	resource  string
	// id is the path segment after the resource ("" for the collection).
	id string
}

// logValues are the keys every log line of a request carries: the
// workspace, the resource and method, and the SCIM id of the user or group
// the path names (a create learns its id only when written: its audit line
// names it).
func (rt route) logValues(method string) []any {
	kv := []any{"workspace", rt.workspace.String(), "resource", rt.resource, "method", method}
	if key := objectKey(rt.resource); key != "" && rt.id != "" {
		kv = append(kv, key, rt.id)
	}
	return kv
}

// objectKey is the log key of the SCIM id of one object of resource: "user"
// or "group", as in the controllers' lines; "" for the other resources.
func objectKey(resource string) string {
	switch resource {
	case resourceUsers:
		return "user"
	case resourceGroups:
		return "group"
	}
	return ""
}

// parseRoute reads a request path. Resource names match case-insensitively;
// a trailing slash is ignored, and so are repeated slashes (a Tenant URL
// pasted with a trailing slash, to which the client appends "/Users").
func parseRoute(escapedPath string) (route, bool) {
	rest, ok := strings.CutPrefix(escapedPath, identityv1alpha1.SCIMPathPrefix+"/")
	if !ok {
		return route{}, false
	}
	var segments []string
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" {
			continue
		}
		s, err := url.PathUnescape(seg)
		if err != nil || s == "" {
			return route{}, false
		}
		segments = append(segments, s)
	}
	if len(segments) < 3 || len(segments) > 4 {
		return route{}, false
	}
	r := route{workspace: store.Workspace{Namespace: segments[0], Name: segments[1]}}
	for _, name := range []string{resourceUsers, resourceGroups, resourceServiceProviderConfig, resourceResourceTypes, resourceSchemas} {
		if strings.EqualFold(segments[2], name) {
			r.resource = name
		}
	}
	// Aliases some clients use: the SCIM 1.1 name, and serviceConfiguration
	// (docs/design/0203-schema-extensions-and-unknown-attributes.md).
	if strings.EqualFold(segments[2], "ServiceProviderConfigs") || strings.EqualFold(segments[2], "serviceConfiguration") {
		r.resource = resourceServiceProviderConfig
	}
	if r.resource == "" {
		return route{}, false
	}
	if len(segments) == 4 {
		if r.resource == resourceServiceProviderConfig {
			return route{}, false
		}
		r.id = segments[3]
	}
	return r, true
}

// errUnauthorized is the one answer to a request without a valid token. It
// is the same, byte for byte, whether the workspace in the URL does not
// exist, has no token Secret, or exists and the token is wrong or missing:
// without a token nobody learns which workspaces exist.
var errUnauthorized = scimerr.New(http.StatusUnauthorized, "",
	"authentication failed: send the workspace's token as 'Authorization: Bearer <token>' (kubectl rollcall workspace token <workspace> -n <namespace>)")

// workspace is the Workspace of a Tenant URL from the cache, or nil when
// there is none.
func (s *Server) workspace(ctx context.Context, key store.Workspace) (*identityv1alpha1.Workspace, error) {
	ws := &identityv1alpha1.Workspace{}
	err := s.client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: key.Name}, ws)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// ServeHTTP answers one SCIM request: route, the client address's budget of
// failed authentications, workspace and token (one 401 for every request
// without a valid token, so the answer does not tell whether the workspace
// exists), the workspace's rate limit, then the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock.Now()
	rec := &statusRecorder{ResponseWriter: w}
	rt, ok := parseRoute(r.URL.EscapedPath())
	workspaceLabel, resourceLabel := "", "unknown"
	if ok {
		resourceLabel = rt.resource
	}
	defer func() {
		method := knownMethod(r.Method)
		requestsTotal.WithLabelValues(workspaceLabel, resourceLabel, method, rec.code()).Inc()
		requestDuration.WithLabelValues(workspaceLabel, resourceLabel, method).Observe(s.clock.Since(start).Seconds())
	}()
	if !ok {
		writeError(rec, scimerr.New(http.StatusNotFound, "", "no SCIM endpoint at %s: endpoints are %s/<namespace>/<workspace>/Users, /Groups, /Schemas, /ResourceTypes and /ServiceProviderConfig",
			r.URL.Path, identityv1alpha1.SCIMPathPrefix))
		return
	}
	if !s.hasSynced() {
		writeError(rec, &scimerr.Error{Status: http.StatusServiceUnavailable, RetryAfter: time.Second, Detail: "the SCIM server is starting; retry in a moment"})
		return
	}
	// One deadline for every API call the request makes, so that the
	// answer (503 when the API server does not answer) goes out before the
	// HTTP server's write timeout drops the connection.
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.APITimeout)
	defer cancel()
	base := s.requestLogger(ctx)
	ctx = log.IntoContext(ctx, base.WithValues(rt.logValues(r.Method)...))
	r = r.WithContext(ctx)

	client := clientAddress(r, s.opts.TrustedProxies)
	if wait := s.failures.wait(client, s.clock.Now()); wait > 0 {
		writeError(rec, &scimerr.Error{Status: http.StatusTooManyRequests, RetryAfter: wait,
			Detail: "too many failed authentications from this address; retry after the time in Retry-After"})
		return
	}
	ws, err := s.workspace(ctx, rt.workspace)
	if err != nil {
		writeError(rec, fromAPIError("read the workspace", err))
		return
	}
	authenticated := false
	if ws != nil {
		workspaceLabel = rt.workspace.String()
		if authenticated, err = s.tokens.authenticate(ctx, ws, r); err != nil {
			log.FromContext(ctx).Error(err, "cannot read the workspace's token Secret")
			writeError(rec, fromAPIError("read the workspace's token", err))
			return
		}
	}
	if !authenticated {
		s.failures.fail(client, s.clock.Now())
		writeError(rec, errUnauthorized)
		return
	}
	// From here on a write is audited: the caller holds the workspace's
	// token, so the trail names its identity provider's writes, refused
	// ones too; failed logins are counted by the metrics instead.
	trail := auditOf(r, rt, client)
	if trail != nil {
		defer func() {
			trail.log(base, rt.workspace.String(), rec)
			if s.opts.AuditEvents() {
				trail.event(s.recorder, ws, rec)
			}
		}()
	}
	// Only a caller holding the workspace's token learns that its endpoint
	// is off (spec.scim.enabled: false) or going away.
	if !ws.SCIMEnabled() || !ws.DeletionTimestamp.IsZero() {
		writeError(rec, scimerr.New(http.StatusNotFound, "", "no SCIM endpoint for workspace %s: its SCIM endpoint is disabled or the workspace is being deleted", rt.workspace))
		return
	}
	if ok, wait := s.limits.allow(ws, s.clock.Now()); !ok {
		writeError(rec, &scimerr.Error{Status: http.StatusTooManyRequests, RetryAfter: wait,
			Detail: "too many requests for this workspace (spec.scim.rateLimit); retry after the time in Retry-After"})
		return
	}
	s.dispatch(rec, r, ws, rt, trail)
}

// dispatch calls the endpoint of a route and method.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, ws *identityv1alpha1.Workspace, rt route, trail *audit) {
	req := &request{opts: s.opts, client: s.client, users: s.users, claims: s.claims, clock: s.clock,
		groups: s.groups, members: s.members, w: w, r: r, ws: ws, key: rt.workspace, audit: trail}
	switch rt.resource {
	case resourceUsers:
		switch {
		case rt.id == "" && r.Method == http.MethodGet:
			req.listUsers()
		case rt.id == "" && r.Method == http.MethodPost:
			req.createUser()
		case strings.EqualFold(rt.id, ".search") && r.Method == http.MethodPost:
			req.searchUsers()
		case rt.id != "" && r.Method == http.MethodGet:
			req.getUser(rt.id)
		case rt.id != "" && r.Method == http.MethodPut:
			req.replaceUser(rt.id)
		case rt.id != "" && r.Method == http.MethodPatch:
			req.patchUser(rt.id)
		case rt.id != "" && r.Method == http.MethodDelete:
			req.deleteUser(rt.id)
		default:
			methodNotAllowed(w, r, rt)
		}
	case resourceGroups:
		req.dispatchGroups(rt.id)
	default:
		if r.Method != http.MethodGet {
			methodNotAllowed(w, r, rt)
			return
		}
		switch rt.resource {
		case resourceServiceProviderConfig:
			req.serviceProviderConfig()
		case resourceResourceTypes:
			req.resourceTypes(rt.id)
		case resourceSchemas:
			req.schemas(rt.id)
		}
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, rt route) {
	allow := "GET"
	if rt.resource == resourceUsers || rt.resource == resourceGroups {
		allow = "GET, POST"
		if rt.id != "" {
			allow = "GET, PUT, PATCH, DELETE"
		}
	}
	w.Header().Set("Allow", allow)
	writeError(w, scimerr.New(http.StatusMethodNotAllowed, "", "%s is not supported here; use %s", r.Method, allow))
}
