package report

import (
	"hash/maphash"
	"strings"
	"unsafe"
)

// interner maps the distinct values of one text field to dense ids, so the
// counters can live in slices and the sets can be keyed by integers. The
// empty string is always id 0, which makes "absent" a cheap test.
//
// With a million merchants the interners hold millions of values, all
// live until the end, so they are kept lean: the values' bytes are cut
// from 64 KiB pages (one allocation per page, not per value) and the
// index is an open-addressing table of ids, 4 bytes a slot at most half
// full, instead of a map[string]int32 (about 50 bytes a value with its
// key's string header, and all of it scanned by the collector).
type interner struct {
	vals  []string
	index []int32 // id+1 per slot, 0 = empty; linear probing
	page  []byte  // where the next clone is cut from
	last  int32   // the id returned last: exports repeat values row after row
}

const internPage = 64 << 10

func newInterner() *interner {
	return &interner{vals: []string{""}}
}

func internHash(s string) uint64 { return maphash.String(seed, s) }

// find returns the id of s, or -1, and the slot where it would go.
func (t *interner) find(s string) (int32, int) {
	if len(t.index) == 0 {
		return -1, 0
	}
	mask := len(t.index) - 1
	for i := int(internHash(s)) & mask; ; i = (i + 1) & mask {
		v := t.index[i]
		if v == 0 {
			return -1, i
		}
		if t.vals[v-1] == s {
			return v - 1, i
		}
	}
}

// add appends c (which t may keep) as a new id; slot is where find left
// off for it.
func (t *interner) add(c string, slot int) int32 {
	id := int32(len(t.vals))
	t.vals = append(t.vals, c)
	if 2*len(t.vals) > len(t.index) {
		t.index = make([]int32, max(64, 2*len(t.index)))
		mask := len(t.index) - 1
		for v := 1; v < len(t.vals); v++ {
			i := int(internHash(t.vals[v])) & mask
			for t.index[i] != 0 {
				i = (i + 1) & mask
			}
			t.index[i] = int32(v + 1)
		}
		return id
	}
	t.index[slot] = id + 1
	return id
}

// clone copies s into the current page.
func (t *interner) clone(s string) string {
	if len(s) > internPage/8 {
		return strings.Clone(s)
	}
	if len(t.page)+len(s) > cap(t.page) {
		t.page = make([]byte, 0, internPage)
	}
	off := len(t.page)
	t.page = append(t.page, s...)
	return unsafe.String(&t.page[off], len(s)) // the page's bytes are never written again
}

// id returns the id of s, adding it when new. s may point into a batch
// arena: only a clone is kept.
func (t *interner) id(s string) int32 {
	if t.vals[t.last] == s {
		return t.last
	}
	if s == "" {
		t.last = 0
		return 0
	}
	id, slot := t.find(s)
	if id < 0 {
		id = t.add(t.clone(s), slot)
	}
	t.last = id
	return id
}

// hinted returns the id of s, trying the id hint first: one string compare
// instead of a lookup when the hint is right.
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
		if s == "" {
			continue // id 0 in both
		}
		id, slot := t.find(s)
		if id < 0 {
			id = t.add(s, slot) // o is consumed: its strings are already clones
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
