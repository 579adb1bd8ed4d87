package report

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/payops/analyze/pkg/record"
)

// This file exports an Aggregator's whole state and imports it back, so
// that partial results written by one process (a shard of the input) can be
// merged by another into the same breakdowns one process over the whole
// input gives. The state is what Merge combines, in plain values: the
// combos with their cells, the groups of the --by breakdowns kept row by
// row, and the counts of non-purchases. Everything else (the built-in
// breakdowns, the distinct merchant and terminal counts, the names
// reported) is rolled up from it, so an aggregator rebuilt from the states
// of several gives byte-identical Tables and FillSummary.

// CauseCount is the declines of one cause and their amount, in minor
// units of the row's currency.
type CauseCount struct {
	Declines, Amount int64
}

// ComboState is one combo: a distinct (terminal_id, merchant_id,
// merchant_name, terminal_model, terminal_firmware, currency) with its
// counts. Causes is indexed by outcome; only decline outcomes are set, and
// their declines add up to Declines.
type ComboState struct {
	TerminalID, MerchantID, MerchantName, TerminalModel, TerminalFirmware, Currency string
	Approved, Pending, Declines                                                     int64
	Causes                                                                          [record.NumOutcomes]CauseCount
}

// GroupState is one group of a --by breakdown over a field outside the
// combos: the dims' values (in the --by order), a currency, and the same
// counts as a combo.
type GroupState struct {
	Values                      []string
	Currency                    string
	Approved, Pending, Declines int64
	Causes                      [record.NumOutcomes]CauseCount
}

// By returns the --by entries the aggregator counts, in option order.
func (a *Aggregator) By() [][]record.Field {
	out := make([][]record.Field, len(a.by))
	for i, d := range a.by {
		out[i] = slices.Clone(d)
	}
	return out
}

// KeepsGroups reports whether --by entry k (an index into By) keeps its
// own groups, which then have to be exported with EachGroup. The others
// are rolled up from the combos and need nothing more.
func (a *Aggregator) KeepsGroups(k int) bool { return k >= 0 && k < len(a.byT) && a.byT[k] != nil }

// NonPurchase returns the rows counted as non-purchases, by kind (void,
// refund, reversal, other; index record.TxnKind).
func (a *Aggregator) NonPurchase() [record.OtherKind + 1]int64 { return a.nonPurchase }

// AddNonPurchase adds n rows of kind k to the non-purchase counts.
func (a *Aggregator) AddNonPurchase(k record.TxnKind, n int64) error {
	if k == record.Purchase || k > record.OtherKind || n < 0 {
		return fmt.Errorf("non-purchase count: bad kind %d or count %d", k, n)
	}
	a.roll = nil
	a.nonPurchase[k] += n
	return nil
}

// EachCombo calls fn for every combo, sorted by its text columns bytewise
// in ComboState order, so the same state always exports alike. fn must not
// keep c, which is reused.
func (a *Aggregator) EachCombo(fn func(c *ComboState) error) error {
	cells := a.cellsByCombo()
	order := make([]int32, a.combos.len())
	for i := range order {
		order[i] = int32(i)
	}
	f := &a.fields
	vals := func(ci int32) [6]string {
		id := a.comboIDs.at(ci)
		return [6]string{f[record.TerminalID].vals[id.tid], f[record.MerchantID].vals[id.mid], f[record.MerchantName].vals[id.name],
			f[record.TerminalModel].vals[id.model], f[record.TerminalFirmware].vals[id.fw], a.cur.vals[id.cur]}
	}
	slices.SortFunc(order, func(x, y int32) int {
		vx, vy := vals(x), vals(y)
		return slices.Compare(vx[:], vy[:])
	})
	var c ComboState
	for _, ci := range order {
		v := vals(ci)
		cb := a.combos.at(ci)
		c = ComboState{TerminalID: v[0], MerchantID: v[1], MerchantName: v[2], TerminalModel: v[3], TerminalFirmware: v[4], Currency: v[5],
			Approved: cb.approved, Pending: cb.pending, Declines: cb.declines}
		for _, s := range cells[ci] {
			_, o := splitCellKey(s.key)
			c.Causes[o] = CauseCount{s.declines, s.amount}
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

// cellsByCombo groups the cells by combo: one pass to count, one to place.
func (a *Aggregator) cellsByCombo() [][]cellSlot {
	n := make([]int32, a.combos.len()+1)
	for _, s := range a.cells.slots {
		if s.key != 0 {
			ci, _ := splitCellKey(s.key)
			n[ci+1]++
		}
	}
	for i := 1; i < len(n); i++ {
		n[i] += n[i-1]
	}
	flat := make([]cellSlot, n[len(n)-1])
	next := slices.Clone(n[:a.combos.len()])
	for _, s := range a.cells.slots {
		if s.key != 0 {
			ci, _ := splitCellKey(s.key)
			flat[next[ci]] = s
			next[ci]++
		}
	}
	out := make([][]cellSlot, a.combos.len())
	for ci := range out {
		out[ci] = flat[n[ci]:n[ci+1]]
	}
	return out
}

// AddCombo adds a combo's counts as if its rows had been added.
func (a *Aggregator) AddCombo(c *ComboState) error {
	if err := checkCounts(c.Approved, c.Pending, c.Declines, &c.Causes); err != nil {
		return err
	}
	a.roll = nil
	key := appendTuple(a.sc.keys[:0], c.TerminalID, c.MerchantID, c.MerchantName, c.TerminalModel, c.TerminalFirmware, c.Currency)
	a.sc.keys = key
	h := maphash.Bytes(seed, key)
	ci := a.find(h, key)
	if ci < 0 {
		ci = a.newCombo(key, h)
	}
	cb := a.combos.at(ci)
	cb.approved += c.Approved
	cb.pending += c.Pending
	cb.declines += c.Declines
	for o, cc := range c.Causes {
		if cc.Declines > 0 {
			a.cells.add(cellKey(ci, record.Outcome(o)), cc.Declines, cc.Amount)
		}
	}
	return nil
}

// checkCounts rejects counts no run can produce, so a damaged partial
// result fails loudly instead of skewing a report.
func checkCounts(approved, pending, declines int64, causes *[record.NumOutcomes]CauseCount) error {
	if approved < 0 || pending < 0 || declines < 0 {
		return fmt.Errorf("negative count")
	}
	var sum int64
	for o, cc := range causes {
		switch {
		case cc.Declines < 0:
			return fmt.Errorf("negative declines of %s", record.Outcome(o))
		case cc.Declines == 0 && cc.Amount != 0:
			return fmt.Errorf("an amount of %s without declines", record.Outcome(o))
		case cc.Declines > 0 && !record.Outcome(o).IsDecline():
			return fmt.Errorf("declines counted as %s", record.Outcome(o))
		}
		sum += cc.Declines
	}
	if sum != declines {
		return fmt.Errorf("declines %d but %d by cause", declines, sum)
	}
	return nil
}

// EachGroup calls fn for every group of --by entry k (see KeepsGroups),
// sorted by values and currency bytewise. fn must not keep g, which is
// reused.
func (a *Aggregator) EachGroup(k int, fn func(g *GroupState) error) error {
	if !a.KeepsGroups(k) {
		return fmt.Errorf("--by %s keeps no groups of its own", bySpec(a.by[k]))
	}
	t, dims := a.byT[k], a.by[k]
	nd := len(dims)
	vals := make([][]string, len(t.groups))
	for gi := range t.groups {
		v := make([]string, nd)
		for j, f := range dims {
			v[j] = a.fields[f].vals[t.gdims[gi*nd+j]]
		}
		vals[gi] = v
	}
	causes := make([][record.NumOutcomes]CauseCount, len(t.groups))
	for _, c := range t.cells {
		causes[c.g][c.cause] = CauseCount{c.declines, c.amount}
	}
	order := make([]int, len(t.groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		if c := slices.Compare(vals[x], vals[y]); c != 0 {
			return c
		}
		return cmp.Compare(a.cur.vals[t.groups[x].cur], a.cur.vals[t.groups[y].cur])
	})
	var g GroupState
	for _, gi := range order {
		gr := &t.groups[gi]
		g = GroupState{Values: vals[gi], Currency: a.cur.vals[gr.cur], Approved: gr.approved, Pending: gr.pending, Declines: gr.declines, Causes: causes[gi]}
		if err := fn(&g); err != nil {
			return err
		}
	}
	return nil
}

// AddGroup adds a group's counts to --by entry k (see KeepsGroups) as if
// its rows had been added.
func (a *Aggregator) AddGroup(k int, g *GroupState) error {
	if !a.KeepsGroups(k) {
		return fmt.Errorf("--by entry %d keeps no groups of its own", k)
	}
	dims := a.by[k]
	if len(g.Values) != len(dims) {
		return fmt.Errorf("--by %s: a group with %d values", bySpec(dims), len(g.Values))
	}
	if err := checkCounts(g.Approved, g.Pending, g.Declines, &g.Causes); err != nil {
		return err
	}
	a.roll = nil
	var ids [record.NumFields]int32
	for j, f := range dims {
		ids[j] = a.fields[f].id(g.Values[j])
	}
	t := a.byT[k]
	gi := t.lookup(ids[:len(dims)], a.cur.id(g.Currency))
	gr := &t.groups[gi]
	gr.approved += g.Approved
	gr.pending += g.Pending
	gr.declines += g.Declines
	for o, cc := range g.Causes {
		if cc.Declines > 0 {
			c := t.cell(gi, record.Outcome(o))
			t.cells[c].declines += cc.Declines
			t.cells[c].amount += cc.Amount
		}
	}
	return nil
}
