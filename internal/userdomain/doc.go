// Package userdomain decides a WorkspaceUser's e-mail address and domain:
// the domain that must be verified for the workspace before the person
// becomes a member.
package userdomain
