package workspaceuser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// reconcileLines collects the JSON lines logged while reconciling a
// WorkspaceUser: those controller-runtime gives the object's key.
type reconcileLines struct {
	mu    sync.Mutex
	lines []map[string]any
}

func (l *reconcileLines) add(obj string) {
	var line map[string]any
	if json.Unmarshal([]byte(obj), &line) != nil {
		return
	}
	if _, ok := line["WorkspaceUser"]; ok {
		l.mu.Lock()
		l.lines = append(l.lines, line)
		l.mu.Unlock()
	}
}

func (l *reconcileLines) withMessage(msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range l.lines {
		if line["msg"] == msg {
			out = append(out, line)
		}
	}
	return out
}

func (l *reconcileLines) all() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]map[string]any(nil), l.lines...)
}

// TestLogLinesNameTheWorkspaceAndUser: the controller's lines about a user
// carry the workspace ("namespace/name", as the SCIM server's and the
// metrics' workspace label) and the user's SCIM id, so one query finds a
// person's trail from the identity provider's request to the backend.
func TestLogLinesNameTheWorkspaceAndUser(t *testing.T) {
	g := NewWithT(t)
	logs := &reconcileLines{}
	mgr, err := env.NewControllerManager(ctrl.Options{Logger: funcr.NewJSON(logs.add, funcr.Options{Verbosity: 1})})
	g.Expect(err).NotTo(HaveOccurred())
	opener := &fakeOpener{}
	r := &workspaceuser.Reconciler{Client: mgr.GetClient(), Backends: opener, BackoffBase: 100 * time.Millisecond, BackoffMax: 2 * time.Second}
	g.Expect(r.SetupWithManager(context.Background(), mgr)).To(Succeed())
	testenv.RunManager(t, mgr)

	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme")
	domain := claimDomain(t, "logs.example", ws, true)
	u := waitSynced(t, newUser(t, ns, "ada", "acme", "ada@logs.example"))
	// A domain that stops being verified deactivates the member.
	setVerified(t, domain, metav1.ConditionFalse, "Revoked")
	g.Eventually(func() []map[string]any { return logs.withMessage("deactivated member: its domain is not verified") }).
		WithTimeout(timeout).ShouldNot(BeEmpty())
	g.Expect(logs.withMessage("wrote member")).NotTo(BeEmpty())

	for _, line := range logs.all() {
		if line["msg"] == "Reconciler error" {
			continue // controller-runtime's own line: it names the object (namespace, name)
		}
		g.Expect(line).To(HaveKeyWithValue("workspace", ns+"/acme"), fmt.Sprint(line))
		g.Expect(line).To(HaveKeyWithValue("user", string(u.UID)), fmt.Sprint(line))
	}
}
