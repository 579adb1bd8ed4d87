package report

import "github.com/payops/analyze/pkg/record"

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

func (a *Aggregator) makeRollup() *rollup {
	r := &rollup{
		merch:      newGroupTable([]record.Field{record.MerchantID}, false),
		model:      newGroupTable([]record.Field{record.TerminalModel}, true),
		modelFW:    newGroupTable([]record.Field{record.TerminalModel, record.TerminalFirmware}, true),
		causeDecl:  make([]int64, int32(len(a.cur.vals))*numOutcomes),
		causeAmt:   make([]int64, int32(len(a.cur.vals))*numOutcomes),
		causeMerch: make([]int64, int32(len(a.cur.vals))*numOutcomes),
		causeTerm:  make([]int64, int32(len(a.cur.vals))*numOutcomes),
	}
	modelTerms := map[uint64]struct{}{} // pairKey(model, terminal)
	causeTerm := map[uint64]struct{}{}  // pairKey(cur*numOutcomes+cause, terminal)
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
			modelTerms[pairKey(id.model, id.tid)] = struct{}{}
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
		if id.tid != 0 {
			causeTerm[pairKey(cc, id.tid)] = struct{}{}
		}
	}
	r.modelTerms = make([]int64, len(a.fields[record.TerminalModel].vals))
	for key := range modelTerms {
		md, _ := splitPair(key)
		r.modelTerms[md]++
	}
	modelTerms = nil
	for key := range causeTerm {
		cc, _ := splitPair(key)
		r.causeTerm[cc]++
	}
	causeTerm = nil
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
