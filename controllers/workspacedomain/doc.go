// Package workspacedomain holds the WorkspaceDomain controller. It owns the
// Ready condition, the DNS challenge and the observed generation of every
// claimed domain, and acts as an approver of its own for the two methods
// that need no person: it sets Verified from the DNS TXT record (method DNS)
// and records the declaration of a Preapproved domain (method Preapproved).
// The Verified condition of a Manual domain belongs to people with the
// approve right; the admission policy in config/policies keeps the
// controller out of it.
package workspacedomain
