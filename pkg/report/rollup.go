package report

import "github.com/payops/analyze/pkg/record"

// rollup is the built-in breakdowns, rolled up from the combos.
type rollup struct {
	merch, model, modelFW *groupTable
	modelTerms            map[uint64]struct{} // pairKey(model, terminal) over all attempts

	// per (currency, cause), indexed cur*numOutcomes + cause
	causeDecl, causeAmt   []int64
	causeMerch, causeTerm map[uint64]struct{} // pairKey(cur*numOutcomes+cause, merchant or terminal)

	by                          []*groupTable // the --by tables over combo fields; nil for the others
	names                       []string      // per merchant id: the name reported
	approved, pending, declines int64
	merchants                   int64
}

// rollUp returns the roll-up of the combos, made once per change of a.
// It must not be modified.
func (a *Aggregator) rollUp() *rollup {
	if a.roll == nil {
		a.roll = a.makeRollup()
	}
	return a.roll
}

func (a *Aggregator) makeRollup() *rollup {
	r := &rollup{
		merch:      newGroupTable([]record.Field{record.MerchantID}, false),
		model:      newGroupTable([]record.Field{record.TerminalModel}, true),
		modelFW:    newGroupTable([]record.Field{record.TerminalModel, record.TerminalFirmware}, true),
		modelTerms: map[uint64]struct{}{},
		causeMerch: map[uint64]struct{}{},
		causeTerm:  map[uint64]struct{}{},
		causeDecl:  make([]int64, int32(len(a.cur.vals))*numOutcomes),
		causeAmt:   make([]int64, int32(len(a.cur.vals))*numOutcomes),
	}
	nm := len(a.fields[record.MerchantID].vals)
	seen := make([]bool, nm)
	nameCnt := map[uint64]int64{} // pairKey(merchant, name): attempts
	tables := []*groupTable{r.merch, r.model, r.modelFW}
	r.by = make([]*groupTable, len(a.by))
	for k, dims := range a.by {
		if a.byT[k] == nil {
			r.by[k] = newGroupTable(dims, false)
			tables = append(tables, r.by[k])
		}
	}
	nt := len(tables)
	gs := make([]int32, nt*len(a.combos)) // per combo, its group in each table
	var ids [record.NumFields]int32
	for ci := range a.combos {
		cb, id := &a.combos[ci], &a.comboIDs[ci]
		r.approved += cb.approved
		r.pending += cb.pending
		r.declines += cb.declines
		for k, t := range tables {
			for j, f := range t.dims {
				ids[j] = id.field(f)
			}
			gs[ci*nt+k] = t.lookup(ids[:len(t.dims)], id.cur)
			g := &t.groups[gs[ci*nt+k]]
			g.approved += cb.approved
			g.pending += cb.pending
			g.declines += cb.declines
		}
		if id.tid != 0 {
			r.modelTerms[pairKey(id.model, id.tid)] = struct{}{}
		}
		if id.name != 0 {
			nameCnt[pairKey(id.mid, id.name)] += cb.approved + cb.pending + cb.declines
		}
		if id.mid != 0 && !seen[id.mid] {
			seen[id.mid] = true
			r.merchants++
		}
	}
	for _, sl := range a.cells.slots {
		if sl.key == 0 {
			continue
		}
		ci, cause := splitCellKey(sl.key)
		id := &a.comboIDs[ci]
		for k, t := range tables {
			tc := t.cell(gs[int(ci)*nt+k], cause)
			t.cells[tc].declines += sl.declines
			t.cells[tc].amount += sl.amount
			if t.terms != nil && id.tid != 0 {
				t.terms[pairKey(tc, id.tid)] = struct{}{}
			}
		}
		cc := id.cur*numOutcomes + int32(cause)
		r.causeDecl[cc] += sl.declines
		r.causeAmt[cc] += sl.amount
		if id.mid != 0 {
			r.causeMerch[pairKey(cc, id.mid)] = struct{}{}
		}
		if id.tid != 0 {
			r.causeTerm[pairKey(cc, id.tid)] = struct{}{}
		}
	}
	// the most frequent non-empty name, ties to the smallest bytewise
	vals := a.fields[record.MerchantName].vals
	r.names = make([]string, nm)
	best := make([]int64, nm)
	for key, n := range nameCnt {
		m, id := splitPair(key)
		if s := vals[id]; n > best[m] || n == best[m] && s < r.names[m] {
			r.names[m], best[m] = s, n
		}
	}
	return r
}
