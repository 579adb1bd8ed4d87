package report

import "github.com/payops/analyze/pkg/record"

// groupTable counts attempts per group (a tuple of dimension values and a
// currency) and declines and amounts per (group, cause) cell. Groups and
// cells get dense indices. The roll-up fills one per built-in breakdown;
// a --by breakdown over a field outside the combos fills one row by row.
type groupTable struct {
	dims []record.Field

	// A one-dim table finds its groups without a map: head, indexed by
	// the dim's id, starts the chain (group.next) of its groups, one per
	// currency. That is the merchant table of the roll-up, with a million
	// merchants; a map would cost 30 bytes a group more.
	head []int32 // group + 1; 0 = none
	// With more dims, stages intern the prefixes of tuples of three or
	// more: stages[i] maps (prefix id, dims[i+1] id) to the next prefix id.
	stages []map[[2]int32]int32
	idx    map[gkey]int32
	// cache, indexed by the id of the last dim, holds the group found last
	// for that value; it hits whenever a value keeps its prefix and currency.
	cache  []gcache
	groups []group
	gdims  []int32 // len(dims) ids per group

	// a group's cells are chained from group.cells through cell.next: a
	// group has a cell per cause it saw, a handful
	cells []cell

	// termN, when hasTerms, is the distinct terminals per cell (the
	// roll-up counts them)
	hasTerms bool
	termN    []int64
}

type gkey struct{ p, d, cur int32 }

type gcache struct{ p, cur1, g int32 } // cur1 = currency id + 1; 0 = empty

type group struct {
	cur                         int32
	lastCause                   record.Outcome
	lastCell                    int32 // the cell of lastCause + 1; 0 = none
	next                        int32 // one-dim tables: the next group of the dim + 1; 0 = none
	cells                       int32 // the first cell + 1; 0 = none
	approved, pending, declines int64
}

type cell struct {
	g        int32
	next     int32 // the group's next cell + 1; 0 = none
	cause    record.Outcome
	declines int64
	amount   int64
}

func newGroupTable(dims []record.Field, terms bool) *groupTable {
	t := &groupTable{dims: dims, hasTerms: terms}
	if len(dims) > 1 {
		t.idx = map[gkey]int32{}
	}
	for i := 2; i < len(dims); i++ {
		t.stages = append(t.stages, map[[2]int32]int32{})
	}
	return t
}

// lookup returns the group of the dims' ids (one per dim) and currency,
// adding it when new.
func (t *groupTable) lookup(ids []int32, cur int32) int32 {
	k := len(t.dims)
	if k == 1 {
		d := ids[0]
		t.head = grow(t.head, d)
		for g := t.head[d] - 1; g >= 0; g = t.groups[g].next - 1 {
			if t.groups[g].cur == cur {
				return g
			}
		}
		g := int32(len(t.groups))
		t.groups = append(t.groups, group{cur: cur, next: t.head[d]})
		t.gdims = append(t.gdims, d)
		t.head[d] = g + 1
		return g
	}
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
	c := gr.cells - 1
	for c >= 0 && t.cells[c].cause != cause {
		c = t.cells[c].next - 1
	}
	if c < 0 {
		c = int32(len(t.cells))
		t.cells = append(t.cells, cell{g: g, cause: cause, next: gr.cells})
		gr.cells = c + 1
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

// freeze lets go of what finds groups, once none will be added.
func (t *groupTable) freeze() {
	t.head, t.stages, t.idx, t.cache = nil, nil, nil, nil
}
