package workspacedomain

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/log"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/conditions"
	"github.com/rollcall-dev/rollcall/internal/dnschallenge"
)

// DNSOptions configures the DNS verifier.
type DNSOptions struct {
	// Resolver answers the TXT questions; nil means the system's resolver.
	// dnschallenge.NewResolver(address) sends them to one DNS server.
	Resolver dnschallenge.Resolver
	// InitialInterval is the wait before checking a missing record again;
	// it doubles with every miss up to MaxInterval. Default 10s.
	InitialInterval time.Duration
	// MaxInterval caps the wait between checks of a missing record. Default 10m.
	MaxInterval time.Duration
	// RecheckInterval is the wait between checks of a record that verified
	// the domain. Default 1h.
	RecheckInterval time.Duration
	// GracePeriod is how long a record that verified the domain may stay
	// missing before the verification is revoked. Default 24h.
	GracePeriod time.Duration
	// Jitter adds up to this fraction of each wait at random, so checks of
	// many domains spread out. Default 0.2.
	Jitter float64
}

func (o DNSOptions) withDefaults() DNSOptions {
	if o.Resolver == nil {
		o.Resolver = dnschallenge.NewResolver("")
	}
	if o.InitialInterval <= 0 {
		o.InitialInterval = DefaultDNSInitialInterval
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = DefaultDNSMaxInterval
	}
	if o.MaxInterval < o.InitialInterval {
		o.MaxInterval = o.InitialInterval
	}
	if o.RecheckInterval <= 0 {
		o.RecheckInterval = DefaultDNSRecheckInterval
	}
	if o.GracePeriod <= 0 {
		o.GracePeriod = DefaultDNSGracePeriod
	}
	if o.Jitter <= 0 {
		o.Jitter = 0.2
	}
	return o
}

// backoff is the jittered wait after the given number of misses in a row.
func (o DNSOptions) backoff(misses int) time.Duration {
	d := o.InitialInterval
	for i := 1; i < misses && d < o.MaxInterval; i++ {
		d *= 2
	}
	return wait.Jitter(min(d, o.MaxInterval), o.Jitter)
}

// verifyByDNS checks the domain's TXT record when a check is due and
// decides the Verified condition from the answer.
func (r *Reconciler) verifyByDNS(ctx context.Context, domain *identityv1alpha1.WorkspaceDomain) (verification, error) {
	challenge, err := r.dnsChallenge(ctx, domain)
	if err != nil {
		return verification{}, err
	}
	now := r.now()
	check, scheduled := r.schedule.get(domain.Name, challenge.Value)
	if scheduled && now.Before(check.due) {
		return verification{challenge: challenge, lookupFailed: check.lookupFailed, requeueAfter: check.due.Sub(now)}, nil
	}
	found, err := dnschallenge.Check(ctx, r.DNS.Resolver, challenge.RecordName, challenge.Value)
	if err != nil {
		// The resolver did not answer: nothing is concluded from that.
		log.FromContext(ctx).Error(err, "check the DNS challenge record", "record", challenge.RecordName)
		check.failures++
		check.lookupFailed = true
		return r.scheduleCheck(domain.Name, check, now, r.DNS.backoff(check.failures),
			verification{challenge: challenge, lookupFailed: true}), nil
	}
	check.lookupFailed = false
	current := meta.FindStatusCondition(domain.Status.Conditions, identityv1alpha1.ConditionVerified)
	switch {
	case found:
		return r.recordFound(domain, challenge, check, now), nil
	case current != nil && current.Status == metav1.ConditionTrue:
		return r.recordGone(domain, challenge, check, now), nil
	default:
		return r.recordMissing(domain, challenge, current, check, now), nil
	}
}

// recordFound verifies the domain and schedules the periodic re-check.
func (r *Reconciler) recordFound(domain *identityv1alpha1.WorkspaceDomain, challenge *identityv1alpha1.DNSChallenge,
	check scheduledCheck, now time.Time) verification {
	challenge.MissingSince = nil
	c := conditions.True(identityv1alpha1.ConditionVerified, identityv1alpha1.ReasonDNSRecordFound,
		fmt.Sprintf("verified by %s: the TXT record %s holds the challenge value", r.Identity, challenge.RecordName), domain.Generation)
	check.failures = 0
	return r.scheduleCheck(domain.Name, check, now, wait.Jitter(r.DNS.RecheckInterval, r.DNS.Jitter),
		verification{verified: &c, challenge: challenge})
}

// recordGone handles a record that verified the domain and is missing now:
// the verification holds for the grace period, then it is revoked.
func (r *Reconciler) recordGone(domain *identityv1alpha1.WorkspaceDomain, challenge *identityv1alpha1.DNSChallenge,
	check scheduledCheck, now time.Time) verification {
	if challenge.MissingSince == nil {
		since := metav1.NewTime(now)
		challenge.MissingSince = &since
	}
	check.failures++
	deadline := challenge.MissingSince.Add(r.DNS.GracePeriod)
	if now.Before(deadline) {
		return r.scheduleCheck(domain.Name, check, now, min(r.DNS.backoff(check.failures), deadline.Sub(now)),
			verification{challenge: challenge})
	}
	c := conditions.False(identityv1alpha1.ConditionVerified, identityv1alpha1.ReasonRevoked,
		fmt.Sprintf("revoked by %s: the TXT record %s has been missing since %s, longer than the grace period of %s",
			r.Identity, challenge.RecordName, challenge.MissingSince.UTC().Format(time.RFC3339), r.DNS.GracePeriod), domain.Generation)
	challenge.MissingSince = nil
	return r.scheduleCheck(domain.Name, check, now, r.DNS.backoff(check.failures), verification{verified: &c, challenge: challenge})
}

// recordMissing keeps an unverified domain waiting for its record. A
// revocation stays as it is, so its message keeps saying why.
func (r *Reconciler) recordMissing(domain *identityv1alpha1.WorkspaceDomain, challenge *identityv1alpha1.DNSChallenge,
	current *metav1.Condition, check scheduledCheck, now time.Time) verification {
	challenge.MissingSince = nil
	check.failures++
	v := verification{challenge: challenge}
	if current == nil || current.Reason != identityv1alpha1.ReasonRevoked {
		c := conditions.False(identityv1alpha1.ConditionVerified, identityv1alpha1.ReasonDNSRecordMissing,
			fmt.Sprintf("checked by %s: no TXT record %s holds the challenge value yet; publish the value in status.dnsChallenge",
				r.Identity, challenge.RecordName), domain.Generation)
		v.verified = &c
	}
	return r.scheduleCheck(domain.Name, check, now, r.DNS.backoff(check.failures), v)
}

func (r *Reconciler) scheduleCheck(name string, check scheduledCheck, now time.Time, after time.Duration, v verification) verification {
	check.due = now.Add(after)
	r.schedule.set(name, check)
	v.requeueAfter = after
	return v
}

// dnsChallenge returns the domain's challenge, issuing one when it has
// none. The value stays the same for the life of the claim: before issuing
// a new one the API server is asked, in case the cache lags behind.
func (r *Reconciler) dnsChallenge(ctx context.Context, domain *identityv1alpha1.WorkspaceDomain) (*identityv1alpha1.DNSChallenge, error) {
	recordName := dnschallenge.RecordName(domain.Name)
	if c := domain.Status.DNSChallenge; c != nil && c.RecordName == recordName && c.Value != "" {
		return c.DeepCopy(), nil
	}
	live := &identityv1alpha1.WorkspaceDomain{}
	if err := r.APIReader.Get(ctx, types.NamespacedName{Name: domain.Name}, live); err != nil {
		return nil, fmt.Errorf("read domain %s: %w", domain.Name, err)
	}
	if c := live.Status.DNSChallenge; c != nil && c.RecordName == recordName && c.Value != "" {
		return c.DeepCopy(), nil
	}
	value, err := dnschallenge.NewValue()
	if err != nil {
		return nil, err
	}
	return &identityv1alpha1.DNSChallenge{RecordName: recordName, Value: value}, nil
}
