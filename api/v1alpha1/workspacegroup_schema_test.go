package v1alpha1_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/internal/testenv"
)

func TestWorkspaceGroupSchema(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)

	group := &identityv1alpha1.WorkspaceGroup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "engineering"},
		Spec: identityv1alpha1.WorkspaceGroupSpec{
			WorkspaceRef: identityv1alpha1.WorkspaceReference{Name: "acme"},
			DisplayName:  "Engineering",
		},
	}
	g.Expect(env.Client.Create(ctx, group)).To(Succeed())
	group.Spec.WorkspaceRef.Name = "other"
	expectInvalid(g, env.Client.Update(ctx, group), "workspaceRef is immutable")

	nameless := group.DeepCopy()
	nameless.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: "nameless"}
	nameless.Spec.DisplayName = ""
	expectInvalid(g, env.Client.Create(ctx, nameless), "spec.displayName")
}

func membership(ns, name, prefix string, members []string) *identityv1alpha1.WorkspaceGroupMembership {
	return &identityv1alpha1.WorkspaceGroupMembership{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: identityv1alpha1.WorkspaceGroupMembershipSpec{
			GroupRef:   identityv1alpha1.GroupReference{Name: "engineering"},
			HashPrefix: prefix,
			Members:    members,
		},
	}
}

func TestWorkspaceGroupMembershipSchema(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := testenv.NewNamespace(t, env.Client)

	full := make([]string, identityv1alpha1.MaxMembersPerMembership)
	for i := range full {
		full[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	}
	m := membership(ns, "engineering-m", "", full)
	g.Expect(env.Client.Create(ctx, m)).To(Succeed(), "a full shard is accepted")
	raw, err := json.Marshal(m)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(len(raw)).To(BeNumerically("<", 256<<10), "a full shard stays under 256 KiB")
	t.Logf("a full shard of %d ids is %d bytes as JSON", len(full), len(raw))

	m.Spec.HashPrefix = "a"
	expectInvalid(g, env.Client.Update(ctx, m), "hashPrefix is immutable")

	over := membership(ns, "engineering-m0", "0", append(full, "one-too-many"))
	expectInvalid(g, env.Client.Create(ctx, over), "spec.members")

	badPrefix := membership(ns, "engineering-mx", "X", nil)
	expectInvalid(g, env.Client.Create(ctx, badPrefix), "spec.hashPrefix")
}
