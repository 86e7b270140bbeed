// Package dnschallenge makes and checks the DNS TXT record that proves
// control of an e-mail domain: a record named _rollcall-challenge.<domain>
// holding a random value the domain controller publishes in the
// WorkspaceDomain's status.
package dnschallenge
