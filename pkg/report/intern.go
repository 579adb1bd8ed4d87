package report

import "strings"

// interner maps the distinct values of one text field to dense ids, so the
// counters can live in slices and the sets can be keyed by integers. The
// empty string is always id 0, which makes "absent" a cheap test.
type interner struct {
	ids  map[string]int32
	vals []string
	last int32 // the id returned last: exports repeat values row after row
}

func newInterner() *interner {
	return &interner{ids: map[string]int32{"": 0}, vals: []string{""}}
}

// id returns the id of s, adding it when new. s may point into a batch
// arena: only a clone is kept.
func (t *interner) id(s string) int32 {
	if t.vals[t.last] == s {
		return t.last
	}
	id, ok := t.ids[s]
	if !ok {
		c := strings.Clone(s)
		id = int32(len(t.vals))
		t.vals = append(t.vals, c)
		t.ids[c] = id
	}
	t.last = id
	return id
}

// hinted returns the id of s, trying the id hint first: one string compare
// instead of a map lookup when the hint is right.
func (t *interner) hinted(s string, hint int32) int32 {
	if hint > 0 && int(hint) < len(t.vals) && t.vals[hint] == s {
		return hint
	}
	return t.id(s)
}

// remap interns o's values into t and returns, for each id of o, the id in t.
func (t *interner) remap(o *interner) []int32 {
	m := make([]int32, len(o.vals))
	for i, s := range o.vals {
		id, ok := t.ids[s]
		if !ok {
			id = int32(len(t.vals))
			t.vals = append(t.vals, s) // o is consumed: its strings are already clones
			t.ids[s] = id
		}
		m[i] = id
	}
	return m
}

// pairKey packs two dense ids into a set or map key.
func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func splitPair(k uint64) (int32, int32) { return int32(uint32(k >> 32)), int32(uint32(k)) }

// grow returns s extended with zero values so that index i is valid.
func grow[T any](s []T, i int32) []T {
	if int(i) < len(s) {
		return s
	}
	n := max(2*len(s), int(i)+1, 64)
	ns := make([]T, n)
	copy(ns, s)
	return ns
}
