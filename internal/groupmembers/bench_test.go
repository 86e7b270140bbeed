package groupmembers_test

import (
	"testing"

	"github.com/rollcall-dev/rollcall/internal/groupmembers"
)

// BenchmarkPlanAdd4000 plans adding 4,000 members to a group of 4,000 (the
// plan that splits its one shard into sixteen). Each shard is rebuilt once
// per plan, not once per id.
func BenchmarkPlanAdd4000(b *testing.B) {
	s := groupmembers.Shards{"": ids(0, 4000)}
	add := ids(4000, 8000)
	for b.Loop() {
		if w := groupmembers.Plan(s, add, nil, 5000); len(w) != 17 {
			b.Fatalf("%d writes", len(w))
		}
	}
}

// BenchmarkPlanRemove1000 plans removing 1,000 members of a shard of 5,000.
func BenchmarkPlanRemove1000(b *testing.B) {
	s := groupmembers.Shards{"": ids(0, 5000)}
	remove := ids(0, 1000)
	for b.Loop() {
		if w := groupmembers.Plan(s, nil, remove, 5000); len(w) != 1 {
			b.Fatalf("%d writes", len(w))
		}
	}
}
