package scimserver

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// The reasons of the Events a SCIM write records on its WorkspaceUser or
// WorkspaceGroup (docs/observability.md).
const (
	ReasonSCIMCreated = "SCIMCreated"
	ReasonSCIMUpdated = "SCIMUpdated"
	ReasonSCIMDeleted = "SCIMDeleted"
)

// AuditEventReporter is the reporting controller of the SCIM server's Events.
const AuditEventReporter = "rollcall-scim-server"

// maxUserAgent bounds the User-Agent an audit record repeats: an Event's
// note holds at most 1 kB, and the header is the client's to choose.
const maxUserAgent = 200

// Audit operations, the SCIM write a request is.
const (
	opCreate  = "create"
	opReplace = "replace"
	opPatch   = "patch"
	opDelete  = "delete"
)

// audit is the record of one SCIM write, filled as the request goes: the
// operation from the route, the object once the handler knows it, the
// outcome from the answer. It costs no API request of its own; the Event
// (when on) is one create, sent by the recorder off the request's path.
type audit struct {
	operation string
	resource  string // User or Group
	// idKey is the log key of the object's id: "user" or "group".
	idKey     string
	userAgent string
	client    string
	// object is the WorkspaceUser or WorkspaceGroup written, nil until
	// the handler found or created it.
	object client.Object
}

// auditOf is the audit record of a request, or nil when it is not a SCIM
// write (reads, searches, discovery).
func auditOf(r *http.Request, rt route, clientAddr string) *audit {
	var res string
	switch rt.resource {
	case resourceUsers:
		res = "User"
	case resourceGroups:
		res = "Group"
	default:
		return nil
	}
	var op string
	switch {
	case rt.id == "" && r.Method == http.MethodPost:
		op = opCreate
	case rt.id == "" || strings.EqualFold(rt.id, ".search"):
		return nil
	case r.Method == http.MethodPut:
		op = opReplace
	case r.Method == http.MethodPatch:
		op = opPatch
	case r.Method == http.MethodDelete:
		op = opDelete
	default:
		return nil
	}
	ua := r.UserAgent()
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return &audit{operation: op, resource: res, idKey: objectKey(rt.resource), userAgent: ua, client: clientAddr}
}

// regarding records the object the request writes. Safe on a nil audit.
func (a *audit) regarding(obj client.Object) {
	if a != nil {
		a.object = obj
	}
}

// log writes the audit line: one per SCIM write, whatever its outcome.
func (a *audit) log(logger logr.Logger, ws string, rec *statusRecorder) {
	object, id := "", ""
	if a.object != nil {
		object = a.object.GetNamespace() + "/" + a.object.GetName()
		id = string(a.object.GetUID())
	}
	kv := []any{"workspace", ws, "userAgent", a.userAgent, "operation", a.operation, "resource", a.resource,
		"object", object, "id", id, "status", rec.statusCode(), "client", a.client}
	if id != "" {
		// The key the request's other lines and the controllers' use.
		kv = append(kv, a.idKey, id)
	}
	if rec.scimType != "" {
		kv = append(kv, "scimType", rec.scimType)
	}
	logger.WithName("audit").Info("SCIM write", kv...)
}

// event records the Event of a successful write on its object, with the
// Workspace as the related object (so the trail of a workspace is found
// even once a deleted user is gone).
func (a *audit) event(recorder events.EventRecorder, ws *identityv1alpha1.Workspace, rec *statusRecorder) {
	if recorder == nil || a.object == nil || rec.statusCode() >= http.StatusMultipleChoices {
		return
	}
	reason, action := ReasonSCIMUpdated, "Replace"
	switch a.operation {
	case opCreate:
		reason, action = ReasonSCIMCreated, "Create"
	case opPatch:
		action = "Patch"
	case opDelete:
		reason, action = ReasonSCIMDeleted, "Delete"
	}
	ua := a.userAgent
	if ua == "" {
		ua = "no User-Agent"
	}
	recorder.Eventf(a.object, ws, corev1.EventTypeNormal, reason, action,
		"SCIM %s of %s %s by %s (%s)", a.operation, a.resource, a.object.GetUID(), strconv.Quote(ua), a.client)
}
