package plugin_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/plugin"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// activityEvent creates an events.k8s.io Event in ns regarding kind/name,
// at, with the Workspace related when related is not "".
func activityEvent(t *testing.T, ns, kind, name, related, reason, note string, at time.Time) {
	t.Helper()
	apiVersion := identityv1alpha1.GroupVersion.String()
	if kind == "Pod" {
		apiVersion = "v1"
	}
	e := &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Namespace: ns, Name: strings.ToLower(name) + "." + rand.String(8)},
		EventTime:           metav1.NewMicroTime(at),
		ReportingController: "test", ReportingInstance: "test-1",
		Action: "Test", Reason: reason, Note: note, Type: corev1.EventTypeNormal,
		Regarding: corev1.ObjectReference{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name},
	}
	if related != "" {
		e.Related = &corev1.ObjectReference{APIVersion: apiVersion, Kind: "Workspace", Namespace: ns, Name: related}
	}
	if err := env.Client.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// activityUser creates a WorkspaceUser of workspace ws, labelled as the SCIM server labels them.
func activityUser(t *testing.T, ns, name, ws string) {
	t.Helper()
	u := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{identityv1alpha1.LabelWorkspace: ws}},
		Spec: identityv1alpha1.WorkspaceUserSpec{WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: ws},
			UserName: name + "@example.com"},
	}
	if err := env.Client.Create(context.Background(), u); err != nil {
		t.Fatal(err)
	}
}

// lines are the non-empty lines of out, each cut to its object and reason.
func activityLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Split(l, "  "); len(f) >= 3 {
			lines = append(lines, f[1]+" "+f[2])
		}
	}
	return lines
}

// activity lists the trail of users, groups and workspaces newest first,
// leaves other kinds out, filters by workspace (by the related Workspace,
// else the object's label) and cuts at --limit.
func TestActivity(t *testing.T) {
	g := NewWithT(t)
	ns := testenv.NewNamespace(t, env.Client)
	admin := kubeconfigFor(t, "cluster-admin-activity", "cluster-admin")
	activityUser(t, ns, "ada", "acme")
	activityUser(t, ns, "bob", "other")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	activityEvent(t, ns, "WorkspaceUser", "ada", "acme", "SCIMCreated", `SCIM create of User 1 by "Azure AD"`, t0)
	activityEvent(t, ns, "WorkspaceUser", "ada", "", "Provisioned", "the member is in the backend", t0.Add(time.Minute))
	activityEvent(t, ns, "WorkspaceGroup", "eng", "acme", "SCIMUpdated", `SCIM patch of Group 2 by "Azure AD"`, t0.Add(2*time.Minute))
	activityEvent(t, ns, "Workspace", "acme", "", "TokenSecretCreated", "token made", t0.Add(3*time.Minute))
	activityEvent(t, ns, "WorkspaceUser", "bob", "", "Provisioned", "the member is in the backend", t0.Add(4*time.Minute))
	activityEvent(t, ns, "Workspace", "other", "", "TokenSecretCreated", "token made", t0.Add(5*time.Minute))
	activityEvent(t, ns, "WorkspaceUser", "gone", "acme", "SCIMDeleted", `SCIM delete of User 3 by "Azure AD"`, t0.Add(6*time.Minute))
	activityEvent(t, ns, "WorkspaceUser", "ghost", "", "Deprovisioned", "gone, no workspace named", t0.Add(7*time.Minute))
	activityEvent(t, ns, "Pod", "web", "", "Started", "not a Rollcall object", t0.Add(8*time.Minute))

	out, err := run(admin, "activity", "-n", ns)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(activityLines(out)).To(Equal([]string{
		"WorkspaceUser/ghost Deprovisioned",
		"WorkspaceUser/gone SCIMDeleted",
		"Workspace/other TokenSecretCreated",
		"WorkspaceUser/bob Provisioned",
		"Workspace/acme TokenSecretCreated",
		"WorkspaceGroup/eng SCIMUpdated",
		"WorkspaceUser/ada Provisioned",
		"WorkspaceUser/ada SCIMCreated",
	}), out)
	g.Expect(out).To(ContainSubstring(`SCIMCreated  SCIM create of User 1 by "Azure AD"`))
	g.Expect(out).To(ContainSubstring(t0.Local().Format(time.RFC3339)))

	out, err = run(admin, "activity", "-n", ns, "--workspace", "acme")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(activityLines(out)).To(Equal([]string{
		"WorkspaceUser/gone SCIMDeleted",
		"Workspace/acme TokenSecretCreated",
		"WorkspaceGroup/eng SCIMUpdated",
		"WorkspaceUser/ada Provisioned",
		"WorkspaceUser/ada SCIMCreated",
	}), out)

	out, err = run(admin, "activity", "-n", ns, "--limit", "2")
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(activityLines(out)).To(Equal([]string{"WorkspaceUser/ghost Deprovisioned", "WorkspaceUser/gone SCIMDeleted"}), out)

	empty := testenv.NewNamespace(t, env.Client)
	out, err = run(admin, "activity", "-n", empty)
	g.Expect(err).NotTo(HaveOccurred(), out)
	g.Expect(out).To(ContainSubstring("No events"))
}

// activity --follow prints the list, then the new Events of the workspace
// as they come, each once, until the command's context ends.
func TestActivityFollow(t *testing.T) {
	g := NewWithT(t)
	ns := testenv.NewNamespace(t, env.Client)
	admin := kubeconfigFor(t, "cluster-admin-activity-follow", "cluster-admin")
	activityEvent(t, ns, "WorkspaceUser", "ada", "acme", "SCIMCreated", "first", time.Now().Add(-time.Minute))

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		cmd := plugin.NewCommand(genericiooptions.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: out})
		cmd.SetArgs([]string{"--kubeconfig", admin, "activity", "-n", ns, "--workspace", "acme", "--follow"})
		done <- cmd.ExecuteContext(ctx)
	}()
	g.Eventually(out.String).Should(ContainSubstring("first"))
	activityEvent(t, ns, "WorkspaceUser", "ada", "acme", "SCIMUpdated", "second", time.Now())
	activityEvent(t, ns, "WorkspaceUser", "bob", "other", "SCIMUpdated", "of another workspace", time.Now())
	activityEvent(t, ns, "Workspace", "acme", "", "TokenRotated", "third", time.Now())
	g.Eventually(out.String).Should(ContainSubstring("third"))
	g.Expect(<-done).To(Succeed())
	g.Expect(activityLines(out.String())).To(Equal([]string{
		"WorkspaceUser/ada SCIMCreated", "WorkspaceUser/ada SCIMUpdated", "Workspace/acme TokenRotated",
	}), out.String())
}

// syncBuffer is a bytes.Buffer safe for the command's goroutine and the test's.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
