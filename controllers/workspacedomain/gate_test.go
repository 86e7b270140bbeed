package workspacedomain_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/controllers/workspaceuser"
	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/fake"
	"github.com/rollcall-dev/rollcall/internal/dnschallenge"
	"github.com/rollcall-dev/rollcall/internal/testdns"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

// oneBackend serves every workspace from one in-memory member backend.
type oneBackend struct{ b *fake.Backend }

func (o oneBackend) Open(context.Context, *identityv1alpha1.Workspace) (backend.Backend, error) {
	return o.b, nil
}

// startUserController runs the WorkspaceUser controller, which holds the
// users of unverified domains, against members.
func startUserController(t *testing.T, members *fake.Backend) {
	t.Helper()
	mgr, err := env.NewControllerManager(ctrl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &workspaceuser.Reconciler{
		Client:      mgr.GetClient(),
		Backends:    oneBackend{members},
		BackoffBase: 100 * time.Millisecond,
		BackoffMax:  time.Second,
	}
	if err := r.SetupWithManager(context.Background(), mgr); err != nil {
		t.Fatal(err)
	}
	testenv.RunManager(t, mgr)
}

// The whole path of a DNS-verified domain: its users are held until the TXT
// record is published, then become members, and are deactivated when the
// record is gone for longer than the grace period.
func TestDNSVerificationReleasesAndDeactivatesUsers(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	dns := testdns.Start(t)
	startController(t, workspacedomain.DNSOptions{
		Resolver:        dnschallenge.NewResolver(dns.Addr()),
		InitialInterval: 100 * time.Millisecond,
		MaxInterval:     400 * time.Millisecond,
		RecheckInterval: 300 * time.Millisecond,
		GracePeriod:     2 * time.Second,
	})
	members := fake.New()
	startUserController(t, members)

	ns := testenv.NewNamespace(t, env.Client)
	createWorkspace(t, ns, "acme")
	name := uniqueDomain("people")
	d := newDomain(name, identityv1alpha1.VerificationDNS)
	d.Spec.WorkspaceRef = identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: "acme"}
	createDomain(t, d)
	ada := &identityv1alpha1.WorkspaceUser{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ada"},
		Spec: identityv1alpha1.WorkspaceUserSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			UserName:     "ada@" + name,
			Emails:       []identityv1alpha1.Email{{Value: "ada@" + name, Type: "work", Primary: true}},
		},
	}
	g.Expect(env.Client.Create(ctx, ada)).To(Succeed())

	// Held while the record is missing.
	var challenge identityv1alpha1.DNSChallenge
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.Status.DNSChallenge).NotTo(BeNil())
		challenge = *got.Status.DNSChallenge
		user := &identityv1alpha1.WorkspaceUser{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ada), user)).To(Succeed())
		dv := meta.FindStatusCondition(user.Status.Conditions, identityv1alpha1.ConditionDomainVerified)
		g.Expect(dv).NotTo(BeNil())
		g.Expect(dv.Status).To(Equal(metav1.ConditionFalse))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Expect(members.Members()).To(BeEmpty())

	// Published: ada becomes an active member.
	dns.SetTXT(challenge.RecordName, challenge.Value)
	g.Eventually(func(g Gomega) {
		all := members.Members()
		g.Expect(all).To(HaveLen(1))
		g.Expect(all[0].UserName).To(Equal("ada@" + name))
		g.Expect(all[0].Active).To(BeTrue())
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// Removed for longer than the grace period: ada is deactivated, not deleted.
	dns.Delete(challenge.RecordName)
	g.Eventually(func(g Gomega) {
		all := members.Members()
		g.Expect(all).To(HaveLen(1))
		g.Expect(all[0].Active).To(BeFalse())
	}).WithTimeout(20 * time.Second).Should(Succeed())
	got, err := getDomain(ctx, name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified).Reason).To(Equal(identityv1alpha1.ReasonRevoked))
}
