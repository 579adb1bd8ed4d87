package localize

import (
	"strings"
)

// maxKeyDims bounds Options.MaxDims: element keys are fixed-size arrays.
const maxKeyDims = 3

type valKey [maxKeyDims]int32

// elem is one combination: a value for each dimension of its cuboid.
type elem struct {
	cub  int32
	vals valKey // the first len(cuboid dims) entries are used

	// parents[i] is the element with dimension i of the cuboid dropped;
	// only for cuboids of two or more dimensions.
	parents valKey

	before, after Counts // sums over all its leaves, for display
	all           group  // test sums over all its leaves

	// Sums over the leaves not set aside; refreshed by lattice.restrict
	// before each search.
	rest     group
	attempts float64 // window attempts of those leaves
}

// cuboid is one set of dimensions; leafElem maps each leaf to its element.
type cuboid struct {
	dims     []int
	leafElem []int32
	// parentCub[i] is the cuboid without dims[i] (for two or more dims).
	parentCub []int
}

// lattice holds the merged leaves and every combination of 1..maxDims
// dimensions that occurs in them.
type lattice struct {
	dims   []string
	values [][]string // per dimension, value id → value
	lvals  [][]int32  // per leaf, the value id of each dimension
	before []Counts
	after  []Counts
	leaf   []group // per leaf
	cubs   []cuboid
	elems  []elem
	// The children of element i (one dimension more) are
	// childList[childStart[i]:childStart[i+1]].
	childStart, childList []int32
}

func (lt *lattice) children(ei int) []int32 {
	return lt.childList[lt.childStart[ei]:lt.childStart[ei+1]]
}

func (lt *lattice) nparents(ei int) int {
	if n := len(lt.cubs[lt.elems[ei].cub].dims); n > 1 {
		return n
	}
	return 0
}

// newLattice merges leaves with equal values and enumerates the
// combinations. Elements are numbered cuboid by cuboid, smallest cuboids
// first, and within a cuboid in order of first appearance among the leaves,
// so the numbering (and every tie broken by it) depends only on the input.
func newLattice(in Input, maxDims int) *lattice {
	nd := len(in.Dims)
	lt := &lattice{dims: in.Dims, values: make([][]string, nd)}
	ids := make([]map[string]int32, nd)
	for d := range ids {
		ids[d] = map[string]int32{}
	}
	leafIdx := map[string]int{}
	var sb strings.Builder
	for _, l := range in.Leaves {
		vals := make([]int32, nd)
		sb.Reset()
		for d, v := range l.Values {
			id, ok := ids[d][v]
			if !ok {
				id = int32(len(lt.values[d]))
				ids[d][v] = id
				lt.values[d] = append(lt.values[d], v)
			}
			vals[d] = id
			sb.WriteString(v)
			sb.WriteByte(0) // only has to separate the values
		}
		if i, ok := leafIdx[sb.String()]; ok {
			lt.before[i].add(l.Before)
			lt.after[i].add(l.After)
			continue
		}
		leafIdx[sb.String()] = len(lt.lvals)
		lt.lvals = append(lt.lvals, vals)
		lt.before = append(lt.before, l.Before)
		lt.after = append(lt.after, l.After)
	}
	nl := len(lt.lvals)

	// Cuboids by size, then lexicographically by dimension index, so a
	// cuboid's parents come before it.
	var subsets [][]int
	for size := 1; size <= min(maxDims, nd); size++ {
		var rec func(start int, cur []int)
		rec = func(start int, cur []int) {
			if len(cur) == size {
				subsets = append(subsets, append([]int(nil), cur...))
				return
			}
			for d := start; d < nd; d++ {
				rec(d+1, append(cur, d))
			}
		}
		rec(0, nil)
	}
	byMask := make(map[uint64]int, len(subsets))
	for ci, dims := range subsets {
		var mask uint64
		for _, d := range dims {
			mask |= 1 << d
		}
		byMask[mask] = ci
	}

	// Pass 1: each leaf's element in each cuboid. An element of a
	// k-dimension cuboid is (element of its first k-1 dimensions, value of
	// the last), so the key is two small integers.
	counts := make([]int32, len(subsets))
	for ci, dims := range subsets {
		c := cuboid{dims: dims, leafElem: make([]int32, nl)}
		last := dims[len(dims)-1]
		nv := len(lt.values[last])
		if len(dims) > 1 {
			var full uint64
			for _, d := range dims {
				full |= 1 << d
			}
			c.parentCub = make([]int, len(dims))
			for i, d := range dims {
				c.parentCub[i] = byMask[full&^(1<<d)]
			}
		}
		var n int32
		if len(dims) == 1 {
			// The value id is the element; number them by first appearance.
			seen := make([]int32, nv)
			for i := range seen {
				seen[i] = -1
			}
			for li, lv := range lt.lvals {
				v := lv[last]
				if seen[v] < 0 {
					seen[v] = n
					n++
				}
				c.leafElem[li] = seen[v]
			}
		} else {
			prefix := lt.cubs[c.parentCub[len(dims)-1]].leafElem
			np := int(counts[c.parentCub[len(dims)-1]])
			// A dense table when it is not much larger than the leaves
			// (clearing it would cost more than the map saves).
			if np*nv <= 8*nl+1024 {
				dense := make([]int32, np*nv)
				for i := range dense {
					dense[i] = -1
				}
				for li, lv := range lt.lvals {
					k := int(prefix[li])*nv + int(lv[last])
					if dense[k] < 0 {
						dense[k] = n
						n++
					}
					c.leafElem[li] = dense[k]
				}
			} else {
				m := make(map[uint64]int32)
				for li, lv := range lt.lvals {
					k := uint64(prefix[li])<<32 | uint64(lv[last])
					e, ok := m[k]
					if !ok {
						e = n
						m[k] = e
						n++
					}
					c.leafElem[li] = e
				}
			}
		}
		counts[ci] = n
		lt.cubs = append(lt.cubs, c)
	}
	// Cuboid-local numbers become global ones.
	total := 0
	for ci := range lt.cubs {
		off := int32(total)
		for li := range lt.cubs[ci].leafElem {
			lt.cubs[ci].leafElem[li] += off
		}
		total += int(counts[ci])
	}

	// Pass 2: values, parents and sums.
	lt.elems = make([]elem, total)
	seen := make([]bool, total)
	nchild := make([]int32, total+1)
	for ci := range lt.cubs {
		c := &lt.cubs[ci]
		for li, ei := range c.leafElem {
			e := &lt.elems[ei]
			if !seen[ei] {
				seen[ei] = true
				e.cub = int32(ci)
				for j, d := range c.dims {
					e.vals[j] = lt.lvals[li][d]
				}
				for j, pc := range c.parentCub {
					p := lt.cubs[pc].leafElem[li]
					e.parents[j] = p
					nchild[p]++
				}
			}
			e.before.add(lt.before[li])
			e.after.add(lt.after[li])
		}
	}
	// Children in CSR form, in element order.
	lt.childStart = make([]int32, total+1)
	for i := 0; i < total; i++ {
		lt.childStart[i+1] = lt.childStart[i] + nchild[i]
	}
	lt.childList = make([]int32, lt.childStart[total])
	next := append([]int32(nil), lt.childStart[:total]...)
	for ei := range lt.elems {
		for j := 0; j < lt.nparents(ei); j++ {
			p := lt.elems[ei].parents[j]
			lt.childList[next[p]] = int32(ei)
			next[p]++
		}
	}
	return lt
}

// setExpected fills the per-leaf expected declines and each element's
// sums. A leaf's baseline rate is its own, d0/n0: unbiased, so the sums
// over a group are unbiased too. (Smoothing small leaves towards the
// overall rate was tried; it biases every group whose leaves share a
// higher or lower rate, and raised false alarms on noise-only data.) A
// leaf without baseline attempts takes the overall baseline rate.
func (lt *lattice) setExpected(overall float64) {
	lt.leaf = make([]group, len(lt.lvals))
	for i := range lt.leaf {
		p := overall
		if lt.before[i].Attempts > 0 {
			p = lt.before[i].Rate()
		}
		e := lt.after[i].Attempts * p
		lt.leaf[i] = group{c: lt.after[i].Declines, e: e, b: lt.before[i].Declines, e2: e * e}
		if lt.before[i].Attempts > 0 {
			lt.leaf[i].n1, lt.leaf[i].n0 = lt.after[i].Attempts, lt.before[i].Attempts
		}
	}
	for ci := range lt.cubs {
		for li, e := range lt.cubs[ci].leafElem {
			lt.elems[e].all.add(lt.leaf[li])
		}
	}
}

// restrict sets every element's rest sums to those over the leaves not
// covered and returns the sums over those leaves. It starts from the sums
// over all leaves and takes away the covered ones, which are few.
func (lt *lattice) restrict(covered []bool) group {
	for i := range lt.elems {
		e := &lt.elems[i]
		e.rest, e.attempts = e.all, e.after.Attempts
	}
	var rest group
	for li := range lt.lvals {
		g := lt.leaf[li]
		if !covered[li] {
			rest.add(g)
			continue
		}
		a := lt.after[li].Attempts
		for ci := range lt.cubs {
			e := &lt.elems[lt.cubs[ci].leafElem[li]]
			e.rest = e.rest.minus(g)
			e.attempts -= a
		}
	}
	return rest
}

// pairs returns the element's combination, sorted by dimension, and its key.
func (lt *lattice) pairs(ei int) ([]Pair, string) {
	e := &lt.elems[ei]
	dims := lt.cubs[e.cub].dims
	ps := make([]Pair, len(dims))
	for j, d := range dims {
		ps[j] = Pair{Dim: lt.dims[d], Value: lt.values[d][e.vals[j]]}
	}
	return ps, MakeKey(ps)
}

// contains reports whether element a's leaves include all of element b's:
// a's pairs are a subset of b's.
func (lt *lattice) contains(a, b int) bool {
	ea, eb := &lt.elems[a], &lt.elems[b]
	ca, cb := &lt.cubs[ea.cub], &lt.cubs[eb.cub]
	for i, d := range ca.dims {
		found := false
		for j, d2 := range cb.dims {
			if d == d2 {
				if ea.vals[i] != eb.vals[j] {
					return false
				}
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
