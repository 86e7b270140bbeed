package approval

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

func domainWith(method identityv1alpha1.VerificationMethod, verified *metav1.Condition) *identityv1alpha1.WorkspaceDomain {
	d := &identityv1alpha1.WorkspaceDomain{
		ObjectMeta: metav1.ObjectMeta{Name: "example.com", Generation: 3},
		Spec:       identityv1alpha1.WorkspaceDomainSpec{Verification: identityv1alpha1.DomainVerification{Method: method}},
	}
	if verified != nil {
		d.Status.Conditions = []metav1.Condition{*verified}
		if verified.Status == metav1.ConditionTrue {
			d.Status.ApprovedBy = "alice"
			at := metav1.NewTime(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
			d.Status.ApprovedAt = &at
		}
	}
	return d
}

func verifiedCond(status metav1.ConditionStatus, reason string) *metav1.Condition {
	return &metav1.Condition{Type: identityv1alpha1.ConditionVerified, Status: status, Reason: reason, Message: reason + " by alice"}
}

func TestDecisionCondition(t *testing.T) {
	approved := verifiedCond(metav1.ConditionTrue, identityv1alpha1.ReasonApproved)
	denied := verifiedCond(metav1.ConditionFalse, identityv1alpha1.ReasonDenied)
	revoked := verifiedCond(metav1.ConditionFalse, identityv1alpha1.ReasonRevoked)
	manual := identityv1alpha1.VerificationManual
	tests := []struct {
		name        string
		decision    Decision
		domain      *identityv1alpha1.WorkspaceDomain
		opts        Options
		wantStatus  metav1.ConditionStatus
		wantReason  string
		wantMessage string
		wantErr     string
	}{
		{name: "approve a pending domain", decision: Approve, domain: domainWith(manual, nil),
			wantStatus: metav1.ConditionTrue, wantReason: "Approved", wantMessage: "approved by bob with kubectl rollcall"},
		{name: "approve with reason and message", decision: Approve, domain: domainWith(manual, nil),
			opts:       Options{Reason: "ContractSigned", Message: "ticket 42"},
			wantStatus: metav1.ConditionTrue, wantReason: "ContractSigned", wantMessage: "approved by bob: ticket 42"},
		{name: "approve an approved domain", decision: Approve, domain: domainWith(manual, approved),
			wantErr: "already approved (reason Approved, by alice at 2026-11-02T09:00:00Z); use --force"},
		{name: "approve an approved domain with force", decision: Approve, domain: domainWith(manual, approved), opts: Options{Force: true},
			wantStatus: metav1.ConditionTrue, wantReason: "Approved", wantMessage: "approved by bob with kubectl rollcall"},
		{name: "approve a denied domain", decision: Approve, domain: domainWith(manual, denied),
			wantStatus: metav1.ConditionTrue, wantReason: "Approved", wantMessage: "approved by bob with kubectl rollcall"},
		{name: "approve a domain of method DNS", decision: Approve, domain: domainWith(identityv1alpha1.VerificationDNS, nil), opts: Options{Force: true},
			wantErr: "has verification method DNS"},
		{name: "revoke a Preapproved domain", decision: Revoke, domain: domainWith(identityv1alpha1.VerificationPreapproved, approved),
			wantErr: "has verification method Preapproved"},
		{name: "deny a pending domain", decision: Deny, domain: domainWith(manual, nil),
			wantStatus: metav1.ConditionFalse, wantReason: "Denied", wantMessage: "denied by bob with kubectl rollcall"},
		{name: "deny an approved domain", decision: Deny, domain: domainWith(manual, approved), opts: Options{Force: true},
			wantErr: `use "kubectl rollcall domain revoke example.com"`},
		{name: "deny a denied domain", decision: Deny, domain: domainWith(manual, denied), wantErr: "already denied"},
		{name: "deny a denied domain with force", decision: Deny, domain: domainWith(manual, denied), opts: Options{Force: true},
			wantStatus: metav1.ConditionFalse, wantReason: "Denied", wantMessage: "denied by bob with kubectl rollcall"},
		{name: "deny a revoked domain", decision: Deny, domain: domainWith(manual, revoked),
			wantStatus: metav1.ConditionFalse, wantReason: "Denied", wantMessage: "denied by bob with kubectl rollcall"},
		{name: "revoke an approved domain", decision: Revoke, domain: domainWith(manual, approved),
			wantStatus: metav1.ConditionFalse, wantReason: "Revoked", wantMessage: "revoked by bob with kubectl rollcall"},
		{name: "revoke a pending domain", decision: Revoke, domain: domainWith(manual, nil), wantErr: "not approved, so there is nothing to revoke (it waits for an approver)"},
		{name: "revoke a denied domain", decision: Revoke, domain: domainWith(manual, denied), wantErr: "(Verified=False, reason Denied)"},
		{name: "a reason with spaces", decision: Approve, domain: domainWith(manual, nil), opts: Options{Reason: "looks fine"},
			wantErr: `--reason "looks fine" is not a condition reason`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decision.condition(tt.domain, "bob", tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != identityv1alpha1.ConditionVerified || got.Status != tt.wantStatus || got.Reason != tt.wantReason ||
				got.Message != tt.wantMessage || got.ObservedGeneration != 3 {
				t.Fatalf("condition = %+v, want Verified %s %s %q at generation 3", got, tt.wantStatus, tt.wantReason, tt.wantMessage)
			}
		})
	}
}
