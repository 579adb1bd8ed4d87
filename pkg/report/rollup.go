package report

import (
	"slices"

	"github.com/payops/analyze/pkg/record"
)

// rollup is the built-in breakdowns, rolled up from the combos.
type rollup struct {
	merch, model, modelFW *groupTable
	modelTerms            []int64 // per model: the distinct terminals over all attempts

	// per (currency, cause), indexed cur*numOutcomes + cause: declines,
	// amount, distinct merchants and terminals
	causeDecl, causeAmt   []int64
	causeMerch, causeTerm []int64

	by                          []*groupTable // the --by tables over combo fields; nil for the others
	names                       []string      // per merchant id: the name reported
	approved, pending, declines int64
	merchants                   int64
}

// rollUp returns the roll-up of the combos, made once per change of a.
// It must not be modified. It keeps only slices of counts (the maps that
// made it are let go), so it can stay while the tables are written.
func (a *Aggregator) rollUp() *rollup {
	if a.roll == nil {
		a.roll = a.makeRollup()
	}
	return a.roll
}

// makeRollup walks the combos grouped by terminal (a counting sort, not
// a map): the distinct-terminal counts are then counted per terminal
// with a few-entry list each, instead of sets of pairs that, with a
// million merchants, took 200 MB next to the aggregates.
func (a *Aggregator) makeRollup() *rollup {
	ncur := int32(len(a.cur.vals))
	r := &rollup{
		merch:      newGroupTable([]record.Field{record.MerchantID}, false),
		model:      newGroupTable([]record.Field{record.TerminalModel}, true),
		modelFW:    newGroupTable([]record.Field{record.TerminalModel, record.TerminalFirmware}, true),
		causeDecl:  make([]int64, ncur*numOutcomes),
		causeAmt:   make([]int64, ncur*numOutcomes),
		causeMerch: make([]int64, ncur*numOutcomes),
		causeTerm:  make([]int64, ncur*numOutcomes),
		modelTerms: make([]int64, len(a.fields[record.TerminalModel].vals)),
	}
	nm := len(a.fields[record.MerchantID].vals)
	seen := make([]bool, nm)
	tables := []*groupTable{r.merch, r.model, r.modelFW}
	r.by = make([]*groupTable, len(a.by))
	for k, dims := range a.by {
		if a.byT[k] == nil {
			r.by[k] = newGroupTable(dims, false)
			tables = append(tables, r.by[k])
		}
	}
	nc := a.combos.len()
	nt := len(tables)
	gs := make([]int32, nt*nc) // per combo, its group in each table
	var ids [record.NumFields]int32
	for ci := range int32(nc) {
		cb, id := a.combos.at(ci), a.comboIDs.at(ci)
		r.approved += cb.approved
		r.pending += cb.pending
		r.declines += cb.declines
		for k, t := range tables {
			for j, f := range t.dims {
				ids[j] = id.field(f)
			}
			gs[int(ci)*nt+k] = t.lookup(ids[:len(t.dims)], id.cur)
			g := &t.groups[gs[int(ci)*nt+k]]
			g.approved += cb.approved
			g.pending += cb.pending
			g.declines += cb.declines
		}
		if id.mid != 0 && !seen[id.mid] {
			seen[id.mid] = true
			r.merchants++
		}
	}
	seen = nil
	r.names = a.merchantNames()

	// the cells' slots grouped by combo, the combos by terminal
	slotStart, slots := groupBy(nc, len(a.cells.slots), func(i int) int32 {
		if k := a.cells.slots[i].key; k != 0 {
			ci, _ := splitCellKey(k)
			return ci
		}
		return -1
	})
	tidStart, byTid := groupBy(len(a.fields[record.TerminalID].vals), nc, func(ci int) int32 { return a.comboIDs.at(int32(ci)).tid })
	var mt, mft, ccs, models []int32 // the terminal's distinct model cells, model-firmware cells, (currency, cause)s and models
	for tid := range len(tidStart) - 1 {
		mt, mft, ccs, models = mt[:0], mft[:0], ccs[:0], models[:0]
		for _, ci := range byTid[tidStart[tid]:tidStart[tid+1]] {
			id := a.comboIDs.at(ci)
			models = addNew(models, id.model)
			for _, si := range slots[slotStart[ci]:slotStart[ci+1]] {
				sl := &a.cells.slots[si]
				_, cause := splitCellKey(sl.key)
				for k, t := range tables {
					tc := t.cell(gs[int(ci)*nt+k], cause)
					t.cells[tc].declines += sl.declines
					t.cells[tc].amount += sl.amount
					switch k {
					case 1:
						mt = addNew(mt, tc)
					case 2:
						mft = addNew(mft, tc)
					}
				}
				cc := id.cur*numOutcomes + int32(cause)
				r.causeDecl[cc] += sl.declines
				r.causeAmt[cc] += sl.amount
				ccs = addNew(ccs, cc)
			}
		}
		if tid == 0 {
			continue // no terminal id: in no distinct count
		}
		for _, md := range models {
			r.modelTerms[md]++
		}
		for _, cc := range ccs {
			r.causeTerm[cc]++
		}
		for _, tc := range mt {
			r.model.termN = grow(r.model.termN, tc)
			r.model.termN[tc]++
		}
		for _, tc := range mft {
			r.modelFW.termN = grow(r.modelFW.termN, tc)
			r.modelFW.termN[tc]++
		}
	}
	// The merchant table's groups are (merchant, currency), its cells add
	// the cause: a merchant with declines of a cause in a currency has
	// exactly one cell, so counting cells counts distinct merchants.
	for c := range r.merch.cells {
		cl := &r.merch.cells[c]
		if r.merch.gdims[cl.g] != 0 {
			r.causeMerch[r.merch.groups[cl.g].cur*numOutcomes+int32(cl.cause)]++
		}
	}
	for _, t := range tables {
		t.freeze()
		if t.hasTerms {
			t.termN = grow(t.termN, int32(len(t.cells)))
		}
	}
	return r
}

// merchantNames returns, per merchant id, the name reported: the most
// frequent non-empty one by attempts, ties to the smallest bytewise.
func (a *Aggregator) merchantNames() []string {
	vals := a.fields[record.MerchantName].vals
	nm := len(a.fields[record.MerchantID].vals)
	start, byMid := groupBy(nm, a.combos.len(), func(ci int) int32 { return a.comboIDs.at(int32(ci)).mid })
	names := make([]string, nm)
	type count struct {
		name int32
		n    int64
	}
	var cnt []count
	for m := range nm {
		cnt = cnt[:0]
		for _, ci := range byMid[start[m]:start[m+1]] {
			id, cb := a.comboIDs.at(ci), a.combos.at(ci)
			if id.name == 0 {
				continue
			}
			j := slices.IndexFunc(cnt, func(c count) bool { return c.name == id.name })
			if j < 0 {
				j = len(cnt)
				cnt = append(cnt, count{name: id.name})
			}
			cnt[j].n += cb.approved + cb.pending + cb.declines
		}
		var best int64
		for _, c := range cnt {
			if s := vals[c.name]; c.n > best || c.n == best && s < names[m] {
				names[m], best = s, c.n
			}
		}
	}
	return names
}

// groupBy sorts the n items by key (a counting sort; keys in [0, keys),
// a negative one leaves the item out) and returns where each key's items
// start, and the items: key k's are items[start[k]:start[k+1]].
func groupBy(keys, n int, key func(int) int32) (start, items []int32) {
	start = make([]int32, keys+1)
	for i := range n {
		if k := key(i); k >= 0 {
			start[k+1]++
		}
	}
	for k := range keys {
		start[k+1] += start[k]
	}
	items = make([]int32, start[keys])
	next := slices.Clone(start[:keys])
	for i := range n {
		if k := key(i); k >= 0 {
			items[next[k]] = int32(i)
			next[k]++
		}
	}
	return start, items
}

// addNew appends v to s unless s has it: s is a few entries long.
func addNew(s []int32, v int32) []int32 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
