package workspacedomain_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	ac "github.com/rollcall-dev/rollcall/api/v1alpha1/applyconfiguration/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/controllers/workspacedomain"
	"github.com/rollcall-dev/rollcall/internal/dnschallenge"
	"github.com/rollcall-dev/rollcall/internal/testdns"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

func TestDNSVerification(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	dns := testdns.Start(t)
	const grace = 3 * time.Second
	startController(t, workspacedomain.DNSOptions{
		Resolver:        dnschallenge.NewResolver(dns.Addr()),
		InitialInterval: 100 * time.Millisecond,
		MaxInterval:     400 * time.Millisecond,
		RecheckInterval: 300 * time.Millisecond,
		GracePeriod:     grace,
	})
	ns := testenv.NewNamespace(t, env.Client)
	createWorkspace(t, ns, "acme")
	name := uniqueDomain("dns")
	d := newDomain(name, identityv1alpha1.VerificationDNS)
	d.Spec.WorkspaceRef = identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: "acme"}
	createDomain(t, d)

	// No record: the challenge is published and the domain is not verified.
	var challenge identityv1alpha1.DNSChallenge
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.Status.DNSChallenge).NotTo(BeNil())
		challenge = *got.Status.DNSChallenge
		verified := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)
		g.Expect(verified).NotTo(BeNil())
		g.Expect(verified.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(verified.Reason).To(Equal(identityv1alpha1.ReasonDNSRecordMissing))
		g.Expect(verified.Message).To(ContainSubstring(controllerUser))
		g.Expect(readyOf(g, ctx, name).Reason).To(Equal(identityv1alpha1.ReasonDNSRecordMissing))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Expect(challenge.RecordName).To(Equal("_rollcall-challenge." + name))
	g.Expect(challenge.Value).To(HavePrefix("rollcall-domain-verification="))
	g.Expect(len(strings.TrimPrefix(challenge.Value, "rollcall-domain-verification="))).To(BeNumerically(">=", 22))
	queriesBefore := dns.Queries()
	g.Eventually(dns.Queries).WithTimeout(10*time.Second).Should(BeNumerically(">", queriesBefore), "the controller keeps checking")

	// A record with another value proves nothing.
	dns.SetTXT(challenge.RecordName, "rollcall-domain-verification=not-the-challenge")
	g.Consistently(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeFalse())
	}).WithTimeout(time.Second).Should(Succeed())

	// The record is published: verified, by the controller, with the same challenge.
	dns.SetTXT(challenge.RecordName, "v=spf1 -all", challenge.Value)
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		verified := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)
		g.Expect(verified).NotTo(BeNil())
		g.Expect(verified.Status).To(Equal(metav1.ConditionTrue))
		g.Expect(verified.Reason).To(Equal(identityv1alpha1.ReasonDNSRecordFound))
		g.Expect(got.Status.ApprovedBy).To(Equal(controllerUser))
		g.Expect(*got.Status.DNSChallenge).To(Equal(challenge), "the challenge stays the same")
		ready := readyOf(g, ctx, name)
		g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	// The record is removed: still verified during the grace period ...
	dns.Delete(challenge.RecordName)
	var missingSince time.Time
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.Status.DNSChallenge.MissingSince).NotTo(BeNil())
		missingSince = got.Status.DNSChallenge.MissingSince.Time
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeTrue())
		g.Expect(readyOf(g, ctx, name).Message).To(ContainSubstring("has been missing since"))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	// ... then revoked.
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		verified := meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)
		g.Expect(verified.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(verified.Reason).To(Equal(identityv1alpha1.ReasonRevoked))
		g.Expect(verified.Message).To(ContainSubstring("grace period"))
		// Times in the status have whole seconds: allow one for rounding.
		g.Expect(verified.LastTransitionTime.Time).To(BeTemporally(">=", missingSince.Add(grace-time.Second)))
		g.Expect(got.Status.ApprovedBy).To(BeEmpty(), "the verifier's own revocation removes its approvedBy")
		g.Expect(got.Status.DNSChallenge.MissingSince).To(BeNil())
		g.Expect(readyOf(g, ctx, name).Reason).To(Equal(identityv1alpha1.ReasonRevoked))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// Publishing the record again verifies the domain again.
	dns.SetTXT(challenge.RecordName, challenge.Value)
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeTrue())
	}).WithTimeout(10 * time.Second).Should(Succeed())
}

func TestDNSVerificationSurvivesAFailedStatusWrite(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	dns := testdns.Start(t)
	failures := &atomic.Int32{}
	failures.Store(1)
	startControllerWithClient(t, workspacedomain.DNSOptions{
		Resolver:        dnschallenge.NewResolver(dns.Addr()),
		InitialInterval: 100 * time.Millisecond,
		MaxInterval:     400 * time.Millisecond,
		RecheckInterval: time.Hour,
		GracePeriod:     time.Hour,
	}, func(c client.Client) client.Client { return &failingApprovals{Client: c, failures: failures} })
	name := uniqueDomain("dns-blip")
	createDomain(t, newDomain(name, identityv1alpha1.VerificationDNS))

	var challenge identityv1alpha1.DNSChallenge
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.Status.DNSChallenge).NotTo(BeNil())
		challenge = *got.Status.DNSChallenge
	}).WithTimeout(20 * time.Second).Should(Succeed())

	// The record is found, but the API server fails the first write of
	// Verified=True: the controller must not wait for the next periodic
	// re-check (an hour) to write it again.
	dns.SetTXT(challenge.RecordName, challenge.Value)
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeTrue())
	}).WithTimeout(15 * time.Second).Should(Succeed())
	g.Expect(failures.Load()).To(BeNumerically("<", 1), "the injected failure happened")
}

// failingApprovals fails the given number of status applies that verify a
// domain (those carrying approvedBy) with 503 Service Unavailable, as an API
// server does while it restarts.
type failingApprovals struct {
	client.Client
	failures *atomic.Int32
}

func (c *failingApprovals) Status() client.SubResourceWriter {
	return failingApprovalWriter{SubResourceWriter: c.Client.Status(), failures: c.failures}
}

type failingApprovalWriter struct {
	client.SubResourceWriter
	failures *atomic.Int32
}

func (w failingApprovalWriter) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	if d, ok := obj.(*ac.WorkspaceDomainApplyConfiguration); ok && d.Status != nil && d.Status.ApprovedBy != nil &&
		w.failures.Add(-1) >= 0 {
		return apierrors.NewServiceUnavailable("injected: the API server is restarting")
	}
	return w.SubResourceWriter.Apply(ctx, obj, opts...)
}

func TestDNSChallengeOfADeletedClaimDoesNotVerifyItsSuccessor(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	dns := testdns.Start(t)
	resolver := &pausingResolver{Resolver: dnschallenge.NewResolver(dns.Addr())}
	startController(t, workspacedomain.DNSOptions{
		Resolver:        resolver,
		InitialInterval: 100 * time.Millisecond,
		MaxInterval:     400 * time.Millisecond,
		RecheckInterval: 300 * time.Millisecond,
		GracePeriod:     time.Hour,
	})
	name := uniqueDomain("dns-reclaim")
	first := newDomain(name, identityv1alpha1.VerificationDNS)
	createDomain(t, first)

	var challenge identityv1alpha1.DNSChallenge
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.Status.DNSChallenge).NotTo(BeNil())
		challenge = *got.Status.DNSChallenge
	}).WithTimeout(20 * time.Second).Should(Succeed())
	dns.SetTXT(challenge.RecordName, challenge.Value)
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeTrue())
	}).WithTimeout(10 * time.Second).Should(Succeed())

	// While the controller re-checks the first claim, the claim is deleted
	// and the domain claimed again for another workspace.
	paused := resolver.pauseNext()
	var inFlight chan struct{}
	g.Eventually(paused).WithTimeout(10 * time.Second).Should(Receive(&inFlight))
	g.Expect(env.Client.Delete(ctx, first)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Name: name}, &identityv1alpha1.WorkspaceDomain{}))
	}).WithTimeout(10 * time.Second).Should(BeTrue())
	second := newDomain(name, identityv1alpha1.VerificationDNS)
	second.Spec.WorkspaceRef.Name = "someone-else"
	createDomain(t, second)
	close(inFlight)

	// The new claim gets its own challenge: the record the first claim's
	// owner published proves nothing about it.
	g.Eventually(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.UID).To(Equal(second.UID))
		g.Expect(got.Status.DNSChallenge).NotTo(BeNil())
		g.Expect(got.Status.DNSChallenge.Value).NotTo(Equal(challenge.Value))
	}).WithTimeout(10 * time.Second).Should(Succeed())
	g.Consistently(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeFalse())
	}).WithTimeout(2 * time.Second).Should(Succeed())
}

// pausingResolver holds one TXT lookup until the test lets it go on.
type pausingResolver struct {
	dnschallenge.Resolver
	mu    sync.Mutex
	pause chan chan struct{}
}

// pauseNext makes the next lookup wait; the channel it returns receives,
// once that lookup has started, the channel to close to let it finish.
func (r *pausingResolver) pauseNext() <-chan chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pause = make(chan chan struct{}, 1)
	return r.pause
}

func (r *pausingResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r.mu.Lock()
	pause := r.pause
	r.pause = nil
	r.mu.Unlock()
	if pause != nil {
		release := make(chan struct{})
		pause <- release
		<-release
	}
	return r.Resolver.LookupTXT(ctx, name)
}

func TestDNSResolverThatDoesNotAnswerIsReportedAndRevokesNothing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	dns := testdns.Start(t)
	resolver := &switchableResolver{Resolver: dnschallenge.NewResolver(dns.Addr())}
	startController(t, workspacedomain.DNSOptions{
		Resolver:        resolver,
		InitialInterval: 100 * time.Millisecond,
		MaxInterval:     400 * time.Millisecond,
		RecheckInterval: 200 * time.Millisecond,
		GracePeriod:     time.Second,
	})
	ns := testenv.NewNamespace(t, env.Client)
	createWorkspace(t, ns, "acme")

	// A resolver that never answered: the domain says so, rather than that
	// it waits for a first check, and no Verified is concluded.
	resolver.down.Store(true)
	name := uniqueDomain("dns-down")
	d := newDomain(name, identityv1alpha1.VerificationDNS)
	d.Spec.WorkspaceRef = identityv1alpha1.NamespacedWorkspaceReference{Namespace: ns, Name: "acme"}
	createDomain(t, d)
	g.Eventually(func(g Gomega) {
		ready := readyOf(g, ctx, name)
		g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(ready.Reason).To(Equal(identityv1alpha1.ReasonDNSLookupFailed))
		g.Expect(ready.Message).To(ContainSubstring("_rollcall-challenge." + name))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	got, err := getDomain(ctx, name)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(meta.FindStatusCondition(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeNil())
	challenge := *got.Status.DNSChallenge

	// The resolver answers: the record is found.
	dns.SetTXT(challenge.RecordName, challenge.Value)
	resolver.down.Store(false)
	g.Eventually(func(g Gomega) {
		g.Expect(readyOf(g, ctx, name).Reason).To(Equal(identityv1alpha1.ReasonDNSRecordFound))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	// The resolver stops answering for longer than the grace period: the
	// verification stays.
	resolver.down.Store(true)
	failuresBefore := resolver.failures.Load()
	g.Eventually(resolver.failures.Load).WithTimeout(10 * time.Second).Should(BeNumerically(">", failuresBefore+2))
	g.Consistently(func(g Gomega) {
		got, err := getDomain(ctx, name)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, identityv1alpha1.ConditionVerified)).To(BeTrue())
		g.Expect(got.Status.DNSChallenge.MissingSince).To(BeNil())
	}).WithTimeout(2 * time.Second).Should(Succeed())
}

// switchableResolver fails every lookup, as a DNS server that does not
// answer, while down is set.
type switchableResolver struct {
	dnschallenge.Resolver
	down     atomic.Bool
	failures atomic.Int32
}

func (r *switchableResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if r.down.Load() {
		r.failures.Add(1)
		return nil, &net.DNSError{Err: "i/o timeout", Name: name, Server: "127.0.0.1:53", IsTimeout: true, IsTemporary: true}
	}
	return r.Resolver.LookupTXT(ctx, name)
}
