package scimserver_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/rollcall-dev/rollcall/scimserver"
)

// logLines collects the JSON log lines keep accepts, V(1) included.
type logLines struct {
	keep  func(line map[string]any) bool
	mu    sync.Mutex
	lines []map[string]any
}

func (l *logLines) logger() ctrl.Options {
	return ctrl.Options{Logger: funcr.NewJSON(func(obj string) {
		var line map[string]any
		if err := json.Unmarshal([]byte(obj), &line); err != nil || !l.keep(line) {
			return
		}
		l.mu.Lock()
		l.lines = append(l.lines, line)
		l.mu.Unlock()
	}, funcr.Options{Verbosity: 1})}
}

// all is every line so far; since, every line after the first n.
func (l *logLines) all() []map[string]any { return l.since(0) }

func (l *logLines) since(n int) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.lines[n:]...)
}

func (l *logLines) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// TestLogLinesNameTheWorkspaceAndObject: every line the SCIM server logs
// while answering a workspace's requests names the workspace, and a line
// about one user or group names its SCIM id under "user" or "group", the
// keys the controllers' lines use, so one query finds a person's trail.
func TestLogLinesNameTheWorkspaceAndObject(t *testing.T) {
	g := NewWithT(t)
	logs := &logLines{keep: func(line map[string]any) bool {
		name, _ := line["logger"].(string)
		return strings.HasPrefix(name, "scim-server")
	}}
	r := startReplicaWithServer(t, logs.logger(), scimserver.Options{InsecureHTTP: true})
	tn := newTenant(t, r)
	before := logs.count()

	created := tn.do("POST", "/Users", user("ada@example.com"))
	g.Expect(created.status).To(Equal(201), created.String())
	userID := created.body["id"].(string)
	tn.waitForUsers(t, []string{userID})
	// An attribute no schema declares is dropped under Ignore, at V(1).
	patched := tn.do("PATCH", "/Users/"+userID, map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "favouriteColour", "value": "teal"}},
	})
	g.Expect(patched.status).To(Equal(200), patched.String())
	gc := tn.do("POST", "/Groups", group("Engineering", userID))
	g.Expect(gc.status).To(Equal(201), gc.String())
	groupID := gc.body["id"].(string)
	g.Eventually(func() int { return tn.do("DELETE", "/Groups/"+groupID, nil).status }).Should(Equal(204))

	lines := logs.since(before)
	g.Expect(lines).NotTo(BeEmpty())
	var dropped, userAudits, groupAudits int
	for _, l := range lines {
		g.Expect(l).To(HaveKeyWithValue("workspace", tn.namespace+"/acme"), fmt.Sprint(l))
		switch {
		case l["msg"] == "dropped unknown attributes":
			dropped++
			g.Expect(l).To(HaveKeyWithValue("user", userID), fmt.Sprint(l))
		case l["logger"] == "scim-server/audit" && l["resource"] == "User":
			userAudits++
			g.Expect(l).To(HaveKeyWithValue("user", userID), fmt.Sprint(l))
		case l["logger"] == "scim-server/audit" && l["resource"] == "Group":
			groupAudits++
			g.Expect(l).To(HaveKeyWithValue("group", groupID), fmt.Sprint(l))
		}
	}
	g.Expect([]int{dropped, userAudits, groupAudits}).To(Equal([]int{1, 2, 2}), "the dropped attribute, two user writes, two group writes")
}
