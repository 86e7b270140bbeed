// Package userdomain decides a WorkspaceUser's e-mail address and the
// domains that must be verified for the workspace before the person
// becomes a member: the e-mail's, and the userName's when it is an address.
package userdomain
