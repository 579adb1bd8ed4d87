package report

import "github.com/payops/analyze/pkg/record"

// groupTable counts attempts per group (a tuple of dimension values and a
// currency) and declines and amounts per (group, cause) cell. Groups and
// cells get dense indices. The roll-up fills one per built-in breakdown;
// a --by breakdown over a field outside the combos fills one row by row.
type groupTable struct {
	dims []record.Field

	// stages intern the prefixes of tuples of three or more dims:
	// stages[i] maps (prefix id, dims[i+1] id) to the next prefix id.
	stages []map[[2]int32]int32
	idx    map[gkey]int32
	// cache, indexed by the id of the last dim, holds the group found last
	// for that value; it hits whenever a value keeps its prefix and currency.
	cache  []gcache
	groups []group
	gdims  []int32 // len(dims) ids per group

	cellIdx map[uint64]int32 // pairKey(group, cause)
	cells   []cell

	// terms, when hasTerms, holds the distinct (cell, terminal) pairs;
	// freeze turns it into termN, the count per cell
	hasTerms bool
	terms    map[uint64]struct{}
	termN    []int64
}

type gkey struct{ p, d, cur int32 }

type gcache struct{ p, cur1, g int32 } // cur1 = currency id + 1; 0 = empty

type group struct {
	cur                         int32
	lastCause                   record.Outcome
	lastCell                    int32 // the cell of lastCause + 1; 0 = none
	approved, pending, declines int64
}

type cell struct {
	g        int32
	cause    record.Outcome
	declines int64
	amount   int64
}

func newGroupTable(dims []record.Field, terms bool) *groupTable {
	t := &groupTable{dims: dims, idx: map[gkey]int32{}, cellIdx: map[uint64]int32{}}
	for i := 2; i < len(dims); i++ {
		t.stages = append(t.stages, map[[2]int32]int32{})
	}
	if terms {
		t.hasTerms, t.terms = true, map[uint64]struct{}{}
	}
	return t
}

// lookup returns the group of the dims' ids (one per dim) and currency,
// adding it when new.
func (t *groupTable) lookup(ids []int32, cur int32) int32 {
	k := len(t.dims)
	var p int32
	if k >= 2 {
		p = ids[0]
		for i := 1; i < k-1; i++ {
			st := t.stages[i-1]
			key := [2]int32{p, ids[i]}
			v, ok := st[key]
			if !ok {
				v = int32(len(st))
				st[key] = v
			}
			p = v
		}
	}
	d := ids[k-1]
	t.cache = grow(t.cache, d)
	c := &t.cache[d]
	if c.cur1 == cur+1 && c.p == p {
		return c.g
	}
	key := gkey{p, d, cur}
	g, ok := t.idx[key]
	if !ok {
		g = int32(len(t.groups))
		t.groups = append(t.groups, group{cur: cur})
		t.gdims = append(t.gdims, ids[:k]...)
		t.idx[key] = g
	}
	*c = gcache{p: p, cur1: cur + 1, g: g}
	return g
}

// cell returns the cell of (g, cause), adding it when new.
func (t *groupTable) cell(g int32, cause record.Outcome) int32 {
	gr := &t.groups[g]
	if gr.lastCell > 0 && gr.lastCause == cause {
		return gr.lastCell - 1
	}
	key := pairKey(g, int32(cause))
	c, ok := t.cellIdx[key]
	if !ok {
		c = int32(len(t.cells))
		t.cells = append(t.cells, cell{g: g, cause: cause})
		t.cellIdx[key] = c
	}
	gr.lastCause, gr.lastCell = cause, c+1
	return c
}

// add counts one attempt of group g. It returns the decline's cell, or -1.
func (t *groupTable) add(g int32, o record.Outcome, amount int64) int32 {
	gr := &t.groups[g]
	switch o {
	case record.Approved:
		gr.approved++
		return -1
	case record.Pending:
		gr.pending++
		return -1
	}
	gr.declines++
	c := t.cell(g, o)
	cl := &t.cells[c]
	cl.declines++
	cl.amount += amount
	return c
}

// merge adds o into t. fmap[f] maps o's ids of field f to t's, and curMap
// o's currency ids to t's.
func (t *groupTable) merge(o *groupTable, fmap *[record.NumFields][]int32, curMap []int32) {
	k := len(t.dims)
	gmap := make([]int32, len(o.groups))
	ids := make([]int32, k)
	for g := range o.groups {
		og := &o.groups[g]
		for j, f := range t.dims {
			ids[j] = fmap[f][o.gdims[g*k+j]]
		}
		ng := t.lookup(ids, curMap[og.cur])
		gmap[g] = ng
		tg := &t.groups[ng]
		tg.approved += og.approved
		tg.pending += og.pending
		tg.declines += og.declines
	}
	for c := range o.cells {
		oc := &o.cells[c]
		nc := t.cell(gmap[oc.g], oc.cause)
		t.cells[nc].declines += oc.declines
		t.cells[nc].amount += oc.amount
	}
}

// cellTerms counts the distinct terminals per cell.
func (t *groupTable) cellTerms() []int64 {
	n := make([]int64, len(t.cells))
	for key := range t.terms {
		c, _ := splitPair(key)
		n[c]++
	}
	return n
}

// freeze lets go of everything but the counts, once no group or cell will
// be added: the maps that find them are a third of a roll-up's memory.
func (t *groupTable) freeze() {
	if t.terms != nil {
		t.termN = t.cellTerms()
	}
	t.stages, t.idx, t.cache, t.cellIdx, t.terms = nil, nil, nil, nil, nil
}
