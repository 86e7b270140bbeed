package groupmembers

import (
	"slices"
	"sort"
	"strings"
)

// Op is what a Write does to a shard.
type Op string

const (
	// Create makes a new shard.
	Create Op = "Create"
	// Update replaces an existing shard's members.
	Update Op = "Update"
	// Delete removes a shard whose members moved to its children.
	Delete Op = "Delete"
)

// Write is one shard write of a plan.
type Write struct {
	Op     Op
	Prefix string
	// Members is the shard's new sorted member list; nil for Delete.
	Members []string
}

// Plan returns the writes that take current to current plus add minus
// remove, with no shard over maxPerShard members: creates and updates
// first, deletes last, so a writer that stops half way leaves a state
// that reads the same. It also finishes a split an earlier writer left
// half done. An id both added and removed is removed. current is not
// changed.
func Plan(current Shards, add, remove []string, maxPerShard int) []Write {
	next := make(map[string][]string, len(current)+1)
	for p, m := range current {
		next[p] = m
	}
	touched := map[string]bool{}
	removing := make(map[string]bool, len(remove))
	// Removals: every shard covering an id loses it, one filtered copy per
	// shard (not one copy per id: a PATCH removes thousands).
	dropped := map[string]map[string]bool{}
	for _, id := range remove {
		removing[id] = true
		h := Hash(id)
		for l := 0; l <= maxPrefix; l++ {
			p := h[:l]
			if m, ok := next[p]; ok {
				if _, found := slices.BinarySearch(m, id); found {
					if dropped[p] == nil {
						dropped[p] = map[string]bool{}
					}
					dropped[p][id] = true
				}
			}
		}
	}
	for p, ids := range dropped {
		kept := make([]string, 0, len(next[p])-len(ids))
		for _, id := range next[p] {
			if !ids[id] {
				kept = append(kept, id)
			}
		}
		next[p] = kept
		touched[p] = true
	}
	// Additions: placed one by one (a new gap shard is registered at once,
	// so the ids after it find it), merged into each shard once.
	pending := map[string][]string{}
	seen := make(map[string]bool, len(add))
	for _, id := range add {
		if removing[id] || seen[id] || Shards(next).Contains(id) {
			continue
		}
		seen[id] = true
		p := home(next, Hash(id))
		if _, ok := next[p]; !ok {
			next[p] = nil
		}
		pending[p] = append(pending[p], id)
	}
	for p, ids := range pending {
		next[p] = mergeSorted(next[p], ids)
		touched[p] = true
	}
	for finishSplits(next, touched) || splitFull(next, touched, maxPerShard) {
	}
	return writes(current, next, touched)
}

// mergeSorted returns the sorted union of the sorted list m and ids, in a
// new slice; m is not changed.
func mergeSorted(m, ids []string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	out := make([]string, 0, len(m)+len(ids))
	i, j := 0, 0
	for i < len(m) || j < len(ids) {
		switch {
		case j == len(ids) || (i < len(m) && m[i] < ids[j]):
			out = append(out, m[i])
			i++
		case i == len(m) || ids[j] < m[i]:
			out = append(out, ids[j])
			j++
		default: // equal
			out = append(out, m[i])
			i++
			j++
		}
	}
	return slices.Compact(out)
}

// home is the prefix of the shard an id with hash h goes to: the deepest
// shard covering it, else a new shard filling the gap next to the deepest
// existing subtree, else the root.
func home(shards map[string][]string, h string) string {
	for l := maxPrefix; l >= 0; l-- {
		if _, ok := shards[h[:l]]; ok {
			return h[:l]
		}
	}
	for l := maxPrefix - 1; l >= 0; l-- {
		if hasShardUnder(shards, h[:l]) {
			return h[:l+1]
		}
	}
	return ""
}

// hasShardUnder reports whether a shard's prefix starts with p.
func hasShardUnder(shards map[string][]string, p string) bool {
	for q := range shards {
		if strings.HasPrefix(q, p) {
			return true
		}
	}
	return false
}

// finishSplits moves the members of every shard that has shards below it
// into its sixteen children and drops it. It reports whether it changed
// anything.
func finishSplits(shards map[string][]string, touched map[string]bool) bool {
	for _, p := range sortedPrefixes(shards) {
		if len(p) < maxPrefix && hasDescendant(shards, p) {
			split(shards, touched, p)
			return true
		}
	}
	return false
}

// splitFull splits every shard over max. It reports whether it split any.
func splitFull(shards map[string][]string, touched map[string]bool, maxPerShard int) bool {
	for _, p := range sortedPrefixes(shards) {
		if len(shards[p]) > maxPerShard && len(p) < maxPrefix {
			split(shards, touched, p)
			return true
		}
	}
	return false
}

// split moves p's members into its sixteen children (merging with any that
// exist) and removes p.
func split(shards map[string][]string, touched map[string]bool, p string) {
	for _, d := range "0123456789abcdef" {
		c := p + string(d)
		if _, ok := shards[c]; !ok {
			shards[c] = nil
			touched[c] = true
		}
	}
	moved := map[string][]string{}
	for _, id := range shards[p] {
		// Every child exists now, so the deepest covering shard is below p
		// (a child's own children, left by an earlier split, included).
		c := home(shards, Hash(id))
		moved[c] = append(moved[c], id)
	}
	for c, ids := range moved {
		merged := mergeSorted(shards[c], ids)
		if len(merged) != len(shards[c]) {
			shards[c] = merged
			touched[c] = true
		}
	}
	delete(shards, p)
	touched[p] = true
}

func hasDescendant(shards map[string][]string, p string) bool {
	for q := range shards {
		if len(q) > len(p) && strings.HasPrefix(q, p) {
			return true
		}
	}
	return false
}

func sortedPrefixes(shards map[string][]string) []string {
	ps := make([]string, 0, len(shards))
	for p := range shards {
		ps = append(ps, p)
	}
	// Shallow shards first, so a split moves members down before their
	// new children are checked.
	sort.Slice(ps, func(i, j int) bool {
		if len(ps[i]) != len(ps[j]) {
			return len(ps[i]) < len(ps[j])
		}
		return ps[i] < ps[j]
	})
	return ps
}

// writes lists what turns current into next, among the touched prefixes.
func writes(current, next map[string][]string, touched map[string]bool) []Write {
	var out, deletes []Write
	for _, p := range sortedPrefixes(touchedMap(touched)) {
		old, existed := current[p]
		m, exists := next[p]
		switch {
		case exists && !existed:
			out = append(out, Write{Op: Create, Prefix: p, Members: nonNil(m)})
		case exists && !slices.Equal(old, m):
			out = append(out, Write{Op: Update, Prefix: p, Members: nonNil(m)})
		case !exists && existed:
			deletes = append(deletes, Write{Op: Delete, Prefix: p})
		}
	}
	return append(out, deletes...)
}

func touchedMap(touched map[string]bool) map[string][]string {
	m := make(map[string][]string, len(touched))
	for p := range touched {
		m[p] = nil
	}
	return m
}

func nonNil(m []string) []string {
	if m == nil {
		return []string{}
	}
	return m
}
