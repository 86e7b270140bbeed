package workspaceuser_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// The real opener and the real SQLite driver, end to end: a Workspace whose
// DSN Secret appears late, a member row, and a finalizer that does not get
// stuck when the Secret goes.
func TestSQLiteEndToEnd(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startWithRealBackends(t)

	ns := testenv.NewNamespace(t, env.Client)
	ws := newWorkspace(t, ns, "acme") // SQL/sqlite, DSN in Secret members-db key dsn
	claimDomain(t, "sqlite.example", ws, true)
	u := newUser(t, ns, "ada", "acme", "ada@sqlite.example")

	// No Secret yet: the user says so, and waits.
	g.Eventually(func(g Gomega) {
		c := condition(getUser(g, u), identityv1alpha1.ConditionSynced)
		g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(c.Reason).To(Equal(identityv1alpha1.ReasonSecretNotFound))
	}).WithTimeout(timeout).Should(Succeed())

	// The Secret appears: the Secret watch brings the user in.
	path := filepath.Join(t.TempDir(), "members.db")
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "members-db"},
		Data:       map[string][]byte{"dsn": []byte("file:" + path)},
	}
	g.Expect(env.Client.Create(ctx, secret)).To(Succeed())
	key := waitSynced(t, u).Status.MemberKey

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = db.Close() })
	var userName, email string
	var active bool
	g.Expect(db.QueryRow(`SELECT user_name, email, active FROM members WHERE member_key = ?`, key).Scan(&userName, &email, &active)).To(Succeed())
	g.Expect(userName).To(Equal("ada@sqlite.example"))
	g.Expect(email).To(Equal("ada@sqlite.example"))
	g.Expect(active).To(BeTrue())

	// The Secret goes, then the user: the finalizer is released with a warning.
	g.Expect(env.Client.Delete(ctx, secret)).To(Succeed())
	g.Expect(env.Client.Delete(ctx, u)).To(Succeed())
	g.Eventually(func(g Gomega) { gone(g, u) }).WithTimeout(timeout).Should(Succeed())
	expectEvent(t, ns, "ada", corev1.EventTypeWarning, workspaceuser.ReasonFinalizerReleased)
	g.Expect(db.QueryRow(`SELECT active FROM members WHERE member_key = ?`, key).Scan(&active)).To(Succeed())
	g.Expect(active).To(BeTrue(), "with its configuration gone the member is left as it was")
}
