// Package approval writes an approver's decision about a WorkspaceDomain:
// the Verified condition, with status.approvedBy and status.approvedAt when
// it approves, by server-side apply under the approver's own field manager.
// The condition's message names the caller as the API server knows it
// (SelfSubjectReview), as the admission policy requires. The kubectl plugin
// is built on it; tests and tools that approve as a person call it too.
//
// Who may decide is not checked here: the API server's admission policy
// lets only holders of verb approve on domains.identity.rollcall.dev do it.
package approval
