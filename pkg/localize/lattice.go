package localize

import (
	"strings"
)

// maxKeyDims bounds Options.MaxDims: element keys are fixed-size arrays.
const maxKeyDims = 3

type valKey [maxKeyDims]int32

// elem is one combination: a value for each dimension of its cuboid.
type elem struct {
	cub  int
	vals valKey // the first len(cuboid dims) entries are used

	before, after Counts  // sums over all its leaves, for display
	obs, exp, bas float64 // window, expected window and baseline declines over all its leaves

	// Sums over the leaves not yet claimed by a root cause; refreshed by
	// lattice.restrict before each search.
	rc, re, rb float64
	attempts   float64 // after attempts of those leaves

	parents  []int32 // one per dimension dropped, in the order of the cuboid dims
	children []int32
}

// cuboid is one set of dimensions; leafElem maps each leaf to its element.
type cuboid struct {
	dims     []int
	mask     uint64
	leafElem []int32
	first    int32 // index of its first element; its elements are contiguous
}

// lattice holds the merged leaves and every combination of 1..maxDims
// dimensions that occurs in them.
type lattice struct {
	dims   []string
	values [][]string // per dimension, value id → value
	lvals  [][]int32  // per leaf, the value id of each dimension
	before []Counts
	after  []Counts
	exp    []float64 // expected window declines per leaf
	bas    []float64 // baseline declines per leaf
	cubs   []cuboid
	elems  []elem
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
			sb.WriteByte(0) // values may not contain NUL in practice; it only has to separate
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

	// Cuboids by size, then lexicographically by dimension index.
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
	byMask := map[uint64]int{}
	elemIdx := make([]map[valKey]int32, len(subsets))
	for ci, dims := range subsets {
		c := cuboid{dims: dims, leafElem: make([]int32, len(lt.lvals)), first: int32(len(lt.elems))}
		for _, d := range dims {
			c.mask |= 1 << d
		}
		idx := map[valKey]int32{}
		for li, lv := range lt.lvals {
			var k valKey
			for j, d := range dims {
				k[j] = lv[d]
			}
			e, ok := idx[k]
			if !ok {
				e = int32(len(lt.elems))
				idx[k] = e
				lt.elems = append(lt.elems, elem{cub: ci, vals: k})
			}
			lt.elems[e].before.add(lt.before[li])
			lt.elems[e].after.add(lt.after[li])
			c.leafElem[li] = e
		}
		byMask[c.mask] = ci
		elemIdx[ci] = idx
		lt.cubs = append(lt.cubs, c)
	}
	// Parent links: drop one dimension. Child links are their inverse.
	for ei := range lt.elems {
		e := &lt.elems[ei]
		dims := lt.cubs[e.cub].dims
		if len(dims) == 1 {
			continue
		}
		e.parents = make([]int32, len(dims))
		for drop := range dims {
			var k valKey
			var mask uint64
			j := 0
			for i, d := range dims {
				if i == drop {
					continue
				}
				mask |= 1 << d
				k[j] = e.vals[i]
				j++
			}
			p := elemIdx[byMask[mask]][k]
			e.parents[drop] = p
			lt.elems[p].children = append(lt.elems[p].children, int32(ei))
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
	lt.exp = make([]float64, len(lt.lvals))
	lt.bas = make([]float64, len(lt.lvals))
	for i := range lt.exp {
		p := overall
		if lt.before[i].Attempts > 0 {
			p = lt.before[i].Rate()
		}
		lt.exp[i] = lt.after[i].Attempts * p
		lt.bas[i] = lt.before[i].Declines
	}
	for ci := range lt.cubs {
		for li, e := range lt.cubs[ci].leafElem {
			el := &lt.elems[e]
			el.obs += lt.after[li].Declines
			el.exp += lt.exp[li]
			el.bas += lt.bas[li]
		}
	}
}

// restrict recomputes every element's sums over the leaves not covered and
// returns the totals over those leaves.
func (lt *lattice) restrict(covered []bool) (rc, re, rb float64) {
	for i := range lt.elems {
		e := &lt.elems[i]
		e.rc, e.re, e.rb, e.attempts = 0, 0, 0, 0
	}
	for li := range lt.lvals {
		if covered[li] {
			continue
		}
		c, x, b, a := lt.after[li].Declines, lt.exp[li], lt.bas[li], lt.after[li].Attempts
		rc += c
		re += x
		rb += b
		for ci := range lt.cubs {
			e := &lt.elems[lt.cubs[ci].leafElem[li]]
			e.rc += c
			e.re += x
			e.rb += b
			e.attempts += a
		}
	}
	return rc, re, rb
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
	if ca.mask&^cb.mask != 0 {
		return false
	}
	for i, d := range ca.dims {
		for j, d2 := range cb.dims {
			if d == d2 && ea.vals[i] != eb.vals[j] {
				return false
			}
		}
	}
	return true
}
