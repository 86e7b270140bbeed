package scimserver_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/rollcall-dev/rollcall/scimserver"
)

// auditLogs collects the lines of the "audit" logger.
func auditLogs() *logLines {
	return &logLines{keep: func(line map[string]any) bool {
		name, _ := line["logger"].(string)
		return strings.HasSuffix(name, "/audit")
	}}
}

// scimEvents are the Events the SCIM server recorded in ns, as "kind/name reason".
func scimEvents(t *testing.T, ns string) []eventsv1.Event {
	t.Helper()
	list := &eventsv1.EventList{}
	if err := env.Client.List(context.Background(), list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.ReportingController == scimserver.AuditEventReporter {
			out = append(out, e)
		}
	}
	return out
}

func replaceDisplayName(value string) map[string]any {
	return map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": value}},
	}
}

// TestAuditTrailOfSCIMWrites: every SCIM write of users and groups leaves
// one audit log line with who, what and the outcome, and each successful
// one an Event on its object naming the identity provider's user agent;
// a refused write is logged with its scimType and records no Event.
func TestAuditTrailOfSCIMWrites(t *testing.T) {
	g := NewWithT(t)
	logs := auditLogs()
	r := startReplicaWithServer(t, logs.logger(), scimserver.Options{InsecureHTTP: true})
	tn := newTenant(t, r)
	const ua = "Azure Active Directory SCIM Provisioning"
	hdr := []string{"User-Agent", ua}

	created := tn.do("POST", "/Users", user("ada@example.com"), hdr...)
	g.Expect(created.status).To(Equal(201), created.String())
	userID := created.body["id"].(string)
	userName := tn.stored(userID).Name
	tn.waitForUsers(t, []string{userID})
	g.Expect(tn.do("POST", "/Users", user("ada@example.com"), hdr...).status).To(Equal(409))
	g.Expect(tn.do("PATCH", "/Users/"+userID, replaceDisplayName("Ada L"), hdr...).status).To(Equal(200))

	gc := tn.do("POST", "/Groups", group("Engineering", userID), hdr...)
	g.Expect(gc.status).To(Equal(201), gc.String())
	groupID := gc.body["id"].(string)
	groupName := tn.storedGroup(groupID).Name
	g.Eventually(func() int { return tn.do("GET", "/Groups/"+groupID, nil).status }).Should(Equal(200))
	g.Expect(tn.do("PATCH", "/Groups/"+groupID, membersOp("remove", userID), hdr...).status).To(Equal(204))
	g.Expect(tn.do("DELETE", "/Groups/"+groupID, nil, hdr...).status).To(Equal(204))
	g.Expect(tn.do("DELETE", "/Users/"+userID, nil, hdr...).status).To(Equal(204))

	// The log: one line per write, in order, with its keys.
	type want struct{ op, res, object, id, scimType string }
	wants := []want{
		{"create", "User", tn.namespace + "/" + userName, userID, ""},
		{"create", "User", "", "", "uniqueness"},
		{"patch", "User", tn.namespace + "/" + userName, userID, ""},
		{"create", "Group", tn.namespace + "/" + groupName, groupID, ""},
		{"patch", "Group", tn.namespace + "/" + groupName, groupID, ""},
		{"delete", "Group", tn.namespace + "/" + groupName, groupID, ""},
		{"delete", "User", tn.namespace + "/" + userName, userID, ""},
	}
	lines := logs.all()
	g.Expect(lines).To(HaveLen(len(wants)), fmt.Sprint(lines))
	statuses := []float64{201, 409, 200, 201, 204, 204, 204}
	for i, w := range wants {
		l := lines[i]
		g.Expect(l).To(HaveKeyWithValue("workspace", tn.namespace+"/acme"))
		g.Expect(l).To(HaveKeyWithValue("userAgent", ua))
		g.Expect(l).To(HaveKeyWithValue("operation", w.op))
		g.Expect(l).To(HaveKeyWithValue("resource", w.res))
		g.Expect(l).To(HaveKeyWithValue("object", w.object))
		g.Expect(l).To(HaveKeyWithValue("id", w.id))
		g.Expect(l).To(HaveKeyWithValue("status", statuses[i]))
		g.Expect(l).To(HaveKeyWithValue("client", "127.0.0.1"))
		if w.scimType != "" {
			g.Expect(l).To(HaveKeyWithValue("scimType", w.scimType))
		} else {
			g.Expect(l).NotTo(HaveKey("scimType"))
		}
	}

	// The Events: on the objects, the Workspace related, the user agent in the note.
	type event struct{ kind, name, reason, action string }
	seen := func() []event {
		var out []event
		for _, e := range scimEvents(t, tn.namespace) {
			g.Expect(e.Note).To(ContainSubstring(`"` + ua + `"`))
			g.Expect(e.Related).NotTo(BeNil())
			g.Expect(e.Related.Kind).To(Equal("Workspace"))
			g.Expect(e.Related.Name).To(Equal("acme"))
			out = append(out, event{e.Regarding.Kind, e.Regarding.Name, e.Reason, e.Action})
		}
		return out
	}
	g.Eventually(seen).WithTimeout(10 * time.Second).Should(ConsistOf(
		event{"WorkspaceUser", userName, scimserver.ReasonSCIMCreated, "Create"},
		event{"WorkspaceUser", userName, scimserver.ReasonSCIMUpdated, "Patch"},
		event{"WorkspaceUser", userName, scimserver.ReasonSCIMDeleted, "Delete"},
		event{"WorkspaceGroup", groupName, scimserver.ReasonSCIMCreated, "Create"},
		event{"WorkspaceGroup", groupName, scimserver.ReasonSCIMUpdated, "Patch"},
		event{"WorkspaceGroup", groupName, scimserver.ReasonSCIMDeleted, "Delete"},
	))
	for _, e := range scimEvents(t, tn.namespace) {
		if e.Reason == scimserver.ReasonSCIMUpdated && e.Regarding.Kind == "WorkspaceUser" {
			g.Expect(e.Note).To(HavePrefix("SCIM patch of User " + userID + " by "))
		}
	}
}

// TestAuditEventsOff: with DisableAuditEvents (--scim-audit-events=false)
// writes record no Event; the log line stays.
func TestAuditEventsOff(t *testing.T) {
	g := NewWithT(t)
	logs := auditLogs()
	r := startReplicaWithServer(t, logs.logger(), scimserver.Options{InsecureHTTP: true, DisableAuditEvents: true})
	tn := newTenant(t, r)
	created := tn.do("POST", "/Users", user("grace@example.com"), "User-Agent", "Okta SCIM Client 1.0.0")
	g.Expect(created.status).To(Equal(201), created.String())
	id := created.body["id"].(string)
	tn.waitForUsers(t, []string{id})
	g.Expect(tn.do("DELETE", "/Users/"+id, nil).status).To(Equal(204))
	g.Expect(logs.all()).To(HaveLen(2))
	g.Consistently(func() []eventsv1.Event { return scimEvents(t, tn.namespace) }).
		WithTimeout(2 * time.Second).WithPolling(200 * time.Millisecond).Should(BeEmpty())
}
