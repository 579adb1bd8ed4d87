package report

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// ColKind says what a column holds, so typed writers can write numbers as
// numbers. Every cell is text either way: the text is the exact value.
type ColKind uint8

const (
	ColString ColKind = iota // text
	ColInt                   // a decimal integer
	ColAmount                // an exact decimal amount in the row's currency, e.g. 1234.50
	ColRate                  // a decimal with 6 places, e.g. 0.125000
)

var colKindNames = [...]string{"string", "int", "amount", "rate"}

func (k ColKind) String() string {
	if int(k) < len(colKindNames) {
		return colKindNames[k]
	}
	return "string"
}

// FormatRate formats num/den as a decimal with 6 places, rounded half up,
// computed exactly with integers: FormatRate(1, 8) == "0.125000".
// It returns "" when den <= 0.
func FormatRate(num, den int64) string {
	if den <= 0 || num < 0 {
		return ""
	}
	// q = floor((2·num·10⁶ + den) / (2·den)), in 128 bits so no count can overflow.
	hi, lo := bits.Mul64(uint64(num), 2_000_000)
	var carry uint64
	lo, carry = bits.Add64(lo, uint64(den), 0)
	hi += carry
	d := 2 * uint64(den)
	if hi >= d { // only when num is far larger than den
		return strconv.FormatFloat(float64(num)/float64(den), 'f', 6, 64)
	}
	q, _ := bits.Div64(hi, lo, d)
	frac := strconv.FormatUint(q%1_000_000, 10)
	return strconv.FormatUint(q/1_000_000, 10) + "." + strings.Repeat("0", 6-len(frac)) + frac
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func (a *Aggregator) amount(cur int32, v int64) string {
	c := a.cur.vals[cur]
	return record.FormatMinor(v, record.CurrencyDigits(c))
}

// Column lists of the built-in breakdowns; the --by ones are the dims
// followed by causeCols.
var (
	causeCols = []string{"currency", "cause", "declines", "amount", "attempts", "decline_rate"}
	causeKind = []ColKind{ColString, ColString, ColInt, ColAmount, ColInt, ColRate}
)

// Tables returns the breakdowns in a fixed order: by_merchant,
// by_terminal_model, by_model_firmware, merchants, terminal_models,
// by_cause, then the --by tables in option order. Rows are sorted bytewise
// by their text columns in column order (the keys). It does not change a.
//
// The tables with a row per group (all but terminal_models and by_cause)
// are lazy: their rows are made from a's roll-up when read, so they read
// a's state and are only valid until a changes (Add, Merge, AddCombo...).
func (a *Aggregator) Tables() []Table {
	r := a.rollUp()
	mids := a.fields[record.MerchantID].vals
	models := a.fields[record.TerminalModel].vals
	fws := a.fields[record.TerminalFirmware].vals
	rk := rankCache{a: a}
	out := []Table{
		a.causeTable("by_merchant", r.merch, []string{"merchant_id", "merchant_name"}, &rk, func(dst []string, d []int32) []string {
			return append(dst, mids[d[0]], r.names[d[0]])
		}),
		a.causeTable("by_terminal_model", r.model, []string{"terminal_model"}, &rk, func(dst []string, d []int32) []string {
			return append(dst, models[d[0]])
		}),
		a.causeTable("by_model_firmware", r.modelFW, []string{"terminal_model", "terminal_firmware"}, &rk, func(dst []string, d []int32) []string {
			return append(dst, models[d[0]], fws[d[1]])
		}),
		a.merchantsTable(r, &rk),
		a.modelsTable(r),
		a.causesTable(r),
	}
	for k, t := range a.byT {
		if t == nil {
			t = r.by[k]
		}
		dims := a.by[k]
		cols := make([]string, len(dims))
		for j, f := range dims {
			cols[j] = f.String()
		}
		out = append(out, a.causeTable(ByName(dims), t, cols, &rk, func(dst []string, d []int32) []string {
			for j, f := range dims {
				dst = append(dst, a.fields[f].vals[d[j]])
			}
			return dst
		}))
	}
	return out
}

// rankCache holds, per interned field, each id's rank in the bytewise
// order of the values, so that rows sort by comparing integers rather
// than strings. Interned values are distinct: no two ids tie.
type rankCache struct {
	a     *Aggregator
	ranks [record.NumFields][]int32
	cur   []int32
}

func ranksOf(vals []string) []int32 {
	ids := make([]int32, len(vals))
	for i := range ids {
		ids[i] = int32(i)
	}
	slices.SortFunc(ids, func(x, y int32) int { return strings.Compare(vals[x], vals[y]) })
	rank := make([]int32, len(vals))
	for r, id := range ids {
		rank[id] = int32(r)
	}
	return rank
}

func (c *rankCache) field(f record.Field) []int32 {
	if c.ranks[f] == nil {
		c.ranks[f] = ranksOf(c.a.fields[f].vals)
	}
	return c.ranks[f]
}

func (c *rankCache) currency() []int32 {
	if c.cur == nil {
		c.cur = ranksOf(c.a.cur.vals)
	}
	return c.cur
}

// causeRank is each outcome's rank in the bytewise order of its id.
var causeRank = func() [record.NumOutcomes]int32 {
	var os [record.NumOutcomes]record.Outcome
	for o := range os {
		os[o] = record.Outcome(o)
	}
	slices.SortFunc(os[:], func(x, y record.Outcome) int { return strings.Compare(x.String(), y.String()) })
	var r [record.NumOutcomes]int32
	for i, o := range os {
		r[o] = int32(i)
	}
	return r
}()

// groupOrder returns each group's rank in the order of its dims' values,
// then its currency, bytewise: the order of the key columns of t's rows
// (a dim column derived from another, as merchant_name from merchant_id,
// never decides).
func (t *groupTable) groupOrder(rk *rankCache) []int32 {
	k := len(t.dims)
	ranks := make([][]int32, k)
	for j, f := range t.dims {
		ranks[j] = rk.field(f)
	}
	cur := rk.currency()
	gs := make([]int32, len(t.groups))
	for g := range gs {
		gs[g] = int32(g)
	}
	slices.SortFunc(gs, func(x, y int32) int {
		dx, dy := t.gdims[int(x)*k:int(x+1)*k], t.gdims[int(y)*k:int(y+1)*k]
		for j := range k {
			if c := cmp.Compare(ranks[j][dx[j]], ranks[j][dy[j]]); c != 0 {
				return c
			}
		}
		return cmp.Compare(cur[t.groups[x].cur], cur[t.groups[y].cur])
	})
	order := make([]int32, len(gs)) // reuse nothing: gs is the inverse
	for r, g := range gs {
		order[g] = int32(r)
	}
	return order
}

// causeTable makes the lazy table with one row per (group, cause) cell
// with declines: the dims' columns (dimVals), then causeCols, then the
// distinct terminals when t counts them.
func (a *Aggregator) causeTable(name string, t *groupTable, dimCols []string, rk *rankCache, dimVals func(dst []string, d []int32) []string) Table {
	cols := slices.Concat(dimCols, causeCols)
	kinds := slices.Concat(make([]ColKind, len(dimCols)), causeKind)
	terms := t.termN
	if t.hasTerms {
		cols = append(cols, "terminals")
		kinds = append(kinds, ColInt)
	}
	gorder := t.groupOrder(rk)
	rows := make([]int32, 0, len(t.cells))
	for c := range t.cells {
		if t.cells[c].declines != 0 {
			rows = append(rows, int32(c))
		}
	}
	slices.SortFunc(rows, func(x, y int32) int {
		cx, cy := &t.cells[x], &t.cells[y]
		if c := cmp.Compare(gorder[cx.g], gorder[cy.g]); c != 0 {
			return c
		}
		return cmp.Compare(causeRank[cx.cause], causeRank[cy.cause])
	})
	k := len(t.dims)
	curs := a.cur.vals
	groups, gdims, cells := t.groups, t.gdims, t.cells
	hasTerms := t.hasTerms
	return LazyTable(name, cols, kinds, len(rows), func(i int, dst []string) []string {
		c := rows[i]
		cl := &cells[c]
		g := &groups[cl.g]
		dst = dimVals(dst, gdims[int(cl.g)*k:int(cl.g+1)*k])
		attempts := g.approved + g.pending + g.declines
		dst = append(dst, curs[g.cur], cl.cause.String(), itoa(cl.declines), a.amount(g.cur, cl.amount),
			itoa(attempts), FormatRate(cl.declines, attempts))
		if hasTerms {
			dst = append(dst, itoa(terms[c]))
		}
		return dst
	})
}

// totals per dim value of a one-dim table, over currencies.
type dimTotals struct {
	seen                        bool
	approved, pending, declines int64
	top                         record.Outcome
	topN                        int64
}

func dimRollUp(t *groupTable, n int) []dimTotals {
	tot := make([]dimTotals, n)
	for g := range t.groups {
		gr := &t.groups[g]
		d := &tot[t.gdims[g]]
		d.seen = true
		d.approved += gr.approved
		d.pending += gr.pending
		d.declines += gr.declines
	}
	// The cells of each dim value, back to back (a counting sort by dim),
	// so that its declines per cause, currencies summed, need no map: a
	// million merchants have millions of cells.
	start := make([]int32, n+1)
	for c := range t.cells {
		start[t.gdims[t.cells[c].g]+1]++
	}
	for d := range n {
		start[d+1] += start[d]
	}
	next := slices.Clone(start[:n])
	byDim := make([]int32, len(t.cells))
	for c := range t.cells {
		d := t.gdims[t.cells[c].g]
		byDim[next[d]] = int32(c)
		next[d]++
	}
	next = nil
	var sum [record.NumOutcomes]int64
	for d := range n {
		cs := byDim[start[d]:start[d+1]]
		if len(cs) == 0 {
			continue
		}
		for _, c := range cs {
			sum[t.cells[c].cause] += t.cells[c].declines
		}
		x := &tot[d]
		for o, n := range sum {
			if n > 0 && (n > x.topN || n == x.topN && record.Outcome(o).String() < x.top.String()) {
				x.top, x.topN = record.Outcome(o), n
			}
		}
		for _, c := range cs {
			sum[t.cells[c].cause] = 0
		}
	}
	return tot
}

func (d *dimTotals) appendCols(dst []string) []string {
	attempts := d.approved + d.pending + d.declines
	top := ""
	if d.topN > 0 {
		top = d.top.String()
	}
	return append(dst, itoa(attempts), itoa(d.approved), itoa(d.pending), itoa(d.declines), FormatRate(d.declines, attempts), top)
}

var (
	totalCols = []string{"attempts", "approved", "pending", "declines", "decline_rate", "top_cause"}
	totalKind = []ColKind{ColInt, ColInt, ColInt, ColInt, ColRate, ColString}
)

// merchantsTable is lazy: a row per merchant seen, in merchant_id order
// (an id has one name, so the other key columns never decide).
func (a *Aggregator) merchantsTable(r *rollup, rk *rankCache) Table {
	mids := a.fields[record.MerchantID].vals
	tot := dimRollUp(r.merch, len(mids))
	var rows []int32
	for m := range tot {
		if tot[m].seen {
			rows = append(rows, int32(m))
		}
	}
	rank := rk.field(record.MerchantID)
	slices.SortFunc(rows, func(x, y int32) int { return cmp.Compare(rank[x], rank[y]) })
	return LazyTable("merchants", slices.Concat([]string{"merchant_id", "merchant_name"}, totalCols),
		slices.Concat([]ColKind{ColString, ColString}, totalKind), len(rows), func(i int, dst []string) []string {
			m := rows[i]
			return tot[m].appendCols(append(dst, mids[m], r.names[m]))
		})
}

func (a *Aggregator) modelsTable(r *rollup) Table {
	models := a.fields[record.TerminalModel].vals
	tb := Table{Name: "terminal_models", Columns: slices.Concat([]string{"terminal_model"}, totalCols, []string{"terminals"}),
		Kinds: slices.Concat([]ColKind{ColString}, totalKind, []ColKind{ColInt})}
	for md, d := range dimRollUp(r.model, len(models)) {
		if d.seen {
			tb.Rows = append(tb.Rows, append(d.appendCols([]string{models[md]}), itoa(r.modelTerms[md])))
		}
	}
	sortRows(&tb)
	return tb
}

func (a *Aggregator) causesTable(r *rollup) Table {
	// currency comes last: the contract's columns are cause … terminals, and
	// later versions may only append (amounts are never summed across
	// currencies, so a run with several has a row per cause and currency).
	tb := Table{Name: "by_cause", Columns: []string{"cause", "declines", "amount", "share", "merchants", "terminals", "currency"},
		Kinds: []ColKind{ColString, ColInt, ColAmount, ColRate, ColInt, ColInt, ColString}}
	for cc, n := range r.causeDecl {
		if n == 0 {
			continue
		}
		cur, cause := int32(cc)/numOutcomes, record.Outcome(int32(cc)%numOutcomes)
		tb.Rows = append(tb.Rows, []string{cause.String(), itoa(n), a.amount(cur, r.causeAmt[cc]),
			FormatRate(n, r.declines), itoa(r.causeMerch[cc]), itoa(r.causeTerm[cc]), a.cur.vals[cur]})
	}
	sortRows(&tb)
	return tb
}

// sortRows sorts a stored table by the text columns in column order,
// bytewise.
func sortRows(t *Table) {
	var keys []int
	for i, k := range t.Kinds {
		if k == ColString {
			keys = append(keys, i)
		}
	}
	slices.SortFunc(t.Rows, func(x, y []string) int {
		for _, i := range keys {
			if c := strings.Compare(x[i], y[i]); c != 0 {
				return c
			}
		}
		return 0
	})
}
