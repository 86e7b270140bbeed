// Package plugin implements the commands of the kubectl-rollcall plugin:
//
//	kubectl rollcall domain approve|deny|revoke NAME [--reason R] [--message M] [--force]
//	kubectl rollcall domain list
//	kubectl rollcall domain can-approve NAME [--as IDENTITY]
//	kubectl rollcall workspace token NAME [-n NAMESPACE]
//	kubectl rollcall workspace rotate-token NAME [-n NAMESPACE] [--grace 24h] [--wait 30s]
//	kubectl rollcall workspace status NAME [-n NAMESPACE]
//	kubectl rollcall user explain NAME [-n NAMESPACE]
//	kubectl rollcall group members NAME [-n NAMESPACE]
//	kubectl rollcall activity [-n NAMESPACE] [--workspace W] [--limit N] [--follow]
//	kubectl rollcall backup [-n NAMESPACE] [--workspace W] [-o FILE]
//	kubectl rollcall restore -f FILE [-n NAMESPACE]
//
// Like "kubectl certificate approve", a decision about a domain is the
// Verified condition of its status. The plugin records who decided (the
// user name the API server reports in a SelfSubjectReview) and when, and
// writes only the Verified condition, status.approvedBy and status.approvedAt
// with server-side apply under its own field manager, so the controller's
// conditions are never touched. Whether the caller may decide is the
// admission policy's call (verb approve on domains.identity.rollcall.dev).
package plugin
