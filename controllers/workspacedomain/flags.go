package workspacedomain

import (
	"flag"
	"time"

	"github.com/rollcall-dev/rollcall/internal/dnschallenge"
)

// Defaults of the DNS verifier.
const (
	DefaultDNSInitialInterval = 10 * time.Second
	DefaultDNSMaxInterval     = 10 * time.Minute
	DefaultDNSRecheckInterval = time.Hour
	DefaultDNSGracePeriod     = 24 * time.Hour
)

// BindDNSFlags registers the DNS verifier's command-line flags on fs
// (--dns-resolver, --dns-initial-interval, --dns-max-interval,
// --dns-recheck-interval, --dns-grace-period) and returns a function that,
// after fs is parsed, builds the DNSOptions they describe.
func BindDNSFlags(fs *flag.FlagSet) func() DNSOptions {
	var (
		resolver string
		o        DNSOptions
	)
	fs.StringVar(&resolver, "dns-resolver", "",
		"host:port of the DNS server that answers the TXT questions of domain verification (method DNS); empty means the system resolver.")
	fs.DurationVar(&o.InitialInterval, "dns-initial-interval", DefaultDNSInitialInterval,
		"Wait before checking a missing DNS challenge record again; it doubles with every miss, with jitter, up to --dns-max-interval.")
	fs.DurationVar(&o.MaxInterval, "dns-max-interval", DefaultDNSMaxInterval,
		"Longest wait between checks of a missing DNS challenge record.")
	fs.DurationVar(&o.RecheckInterval, "dns-recheck-interval", DefaultDNSRecheckInterval,
		"Wait between checks of a DNS challenge record that verified its domain.")
	fs.DurationVar(&o.GracePeriod, "dns-grace-period", DefaultDNSGracePeriod,
		"How long a DNS challenge record that verified its domain may stay missing before the verification is revoked.")
	return func() DNSOptions {
		o.Resolver = dnschallenge.NewResolver(resolver)
		return o
	}
}
