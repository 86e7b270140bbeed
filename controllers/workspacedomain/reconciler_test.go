package workspacedomain_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

func createWorkspace(t *testing.T, ns, name string) {
	t.Helper()
	ws := &identityv1alpha1.Workspace{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceSpec{Backend: identityv1alpha1.BackendSpec{
			Type: identityv1alpha1.BackendSQL,
			SQL: &identityv1alpha1.SQLBackend{
				Driver:       identityv1alpha1.SQLDriverSQLite,
				DSNSecretRef: identityv1alpha1.SecretKeyReference{Name: "members-db", Key: "dsn"},
			},
		}},
	}
	if err := env.Client.Create(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
}

func readyOf(g Gomega, ctx context.Context, name string) *metav1.Condition {
	got, err := getDomain(ctx, name)
	g.Expect(err).NotTo(HaveOccurred())
	ready := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionReady)
	g.Expect(ready).NotTo(BeNil(), "conditions: %+v", got.Status.Conditions)
	g.Expect(ready.ObservedGeneration).To(Equal(got.Generation))
	g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
	return ready
}

func TestManualDomainWaitsForWorkspaceAndApprover(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	startController(t, workspacedomain.DNSOptions{})
	ns := testenv.NewNamespace(t, env.Client)
	name := uniqueDomain("manual")
	d := newDomain(name, identityv1alpha1.VerificationManual)
	d.Spec.WorkspaceRef = identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: "acme"}
	createDomain(t, d)

	g.Eventually(func(g Gomega) {
		ready := readyOf(g, ctx, name)
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonWorkspaceNotFound))
		g.Expect(ready.Message).To(ContainSubstring(ns + "/acme"))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	createWorkspace(t, ns, "acme")
	g.Eventually(func(g Gomega) {
		ready := readyOf(g, ctx, name)
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonPendingApproval))
		g.Expect(ready.Message).To(ContainSubstring("kubectl rollcall domain approve " + name))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	dave := approverOf(t, "dave", name)
	g.Expect(approve(ctx, dave, name, "dave", "approved by dave")).To(Succeed())
	g.Eventually(func(g Gomega) {
		ready := readyOf(g, ctx, name)
		g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonApproved))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// The controller leaves the approver's verification alone.
	got, err := getDomain(ctx, name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got.Status.ApprovedBy).To(Equal("dave"))
	g.Expect(got.Status.DNSChallenge).To(BeNil(), "a Manual domain has no DNS challenge")
	for _, f := range got.ManagedFields {
		if f.Manager == workspacedomain.VerifierFieldOwner {
			t.Errorf("the controller wrote the verification of a Manual domain: %s", f.FieldsV1.String())
		}
	}
}

func TestPrinterColumns(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	name := uniqueDomain("columns")
	createDomain(t, newDomain(name, identityv1alpha1.VerificationDNS))

	clientset, err := kubernetes.NewForConfig(env.Config)
	g.Expect(err).NotTo(HaveOccurred())
	raw, err := clientset.CoreV1().RESTClient().Get().AbsPath("/apis/identity.rollcall.dev/v1alpha1/workspacedomains", name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").Do(ctx).Raw()
	g.Expect(err).NotTo(HaveOccurred())
	table := &metav1.Table{}
	g.Expect(json.Unmarshal(raw, table)).To(Succeed())
	g.Expect(table.Rows).To(HaveLen(1))
	var shown []string
	cells := map[string]any{}
	for i, c := range table.ColumnDefinitions {
		if c.Priority == 0 { // what kubectl get shows without -o wide
			shown = append(shown, c.Name)
			cells[c.Name] = table.Rows[0].Cells[i]
		}
	}
	g.Expect(shown).To(Equal([]string{"Name", "Workspace", "Method", "Verified", "Age"}))
	g.Expect(cells).To(HaveKeyWithValue("Name", name))
	g.Expect(cells).To(HaveKeyWithValue("Workspace", "acme"))
	g.Expect(cells).To(HaveKeyWithValue("Method", "DNS"))
}
