package report

import (
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

// Table is one breakdown in a neutral form: every writer takes it.
// Rows hold one string per column.
type Table struct {
	Name    string
	Columns []string
	Kinds   []ColKind
	Rows    [][]string
}

// Col returns the index of the named column, or -1.
func (t *Table) Col(name string) int { return slices.Index(t.Columns, name) }

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
func (a *Aggregator) Tables() []Table {
	r := a.rollUp()
	// The tables are the roll-up's last use in a run, and while they are
	// written it would hold as much again (350 MB of 1.65 GB live with a
	// million merchants): let it go. A later Totals makes it again.
	defer func() { a.roll = nil }()
	mids := a.fields[record.MerchantID].vals
	models := a.fields[record.TerminalModel].vals
	fws := a.fields[record.TerminalFirmware].vals
	out := []Table{
		a.causeTable("by_merchant", r.merch, []string{"merchant_id", "merchant_name"}, func(d []int32) []string {
			return []string{mids[d[0]], r.names[d[0]]}
		}),
		a.causeTable("by_terminal_model", r.model, []string{"terminal_model"}, func(d []int32) []string {
			return []string{models[d[0]]}
		}),
		a.causeTable("by_model_firmware", r.modelFW, []string{"terminal_model", "terminal_firmware"}, func(d []int32) []string {
			return []string{models[d[0]], fws[d[1]]}
		}),
		a.merchantsTable(r),
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
		out = append(out, a.causeTable(ByName(dims), t, cols, func(d []int32) []string {
			v := make([]string, len(dims))
			for j, f := range dims {
				v[j] = a.fields[f].vals[d[j]]
			}
			return v
		}))
	}
	return out
}

// causeTable makes a table with one row per (group, cause) cell.
func (a *Aggregator) causeTable(name string, t *groupTable, dimCols []string, dimVals func([]int32) []string) Table {
	tb := Table{Name: name, Columns: slices.Concat(dimCols, causeCols), Kinds: make([]ColKind, len(dimCols))}
	tb.Kinds = append(tb.Kinds, causeKind...)
	var terms []int64
	if t.terms != nil {
		tb.Columns = append(tb.Columns, "terminals")
		tb.Kinds = append(tb.Kinds, ColInt)
		terms = t.cellTerms()
	}
	k := len(t.dims)
	dimStr := make([][]string, len(t.groups)) // each group's dims, made once
	tb.Rows = make([][]string, 0, len(t.cells))
	for c := range t.cells {
		cl := &t.cells[c]
		if cl.declines == 0 {
			continue
		}
		g := &t.groups[cl.g]
		if dimStr[cl.g] == nil {
			dimStr[cl.g] = dimVals(t.gdims[int(cl.g)*k : int(cl.g+1)*k])
		}
		attempts := g.approved + g.pending + g.declines
		row := make([]string, 0, len(tb.Columns))
		row = append(row, dimStr[cl.g]...)
		row = append(row, a.cur.vals[g.cur], cl.cause.String(), itoa(cl.declines), a.amount(g.cur, cl.amount),
			itoa(attempts), FormatRate(cl.declines, attempts))
		if terms != nil {
			row = append(row, itoa(terms[c]))
		}
		tb.Rows = append(tb.Rows, row)
	}
	sortRows(&tb)
	return tb
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
	byCause := map[uint64]int64{} // pairKey(dim, cause): currencies summed
	for c := range t.cells {
		cl := &t.cells[c]
		byCause[pairKey(t.gdims[cl.g], int32(cl.cause))] += cl.declines
	}
	for key, n := range byCause {
		d, cause := splitPair(key)
		o := record.Outcome(cause)
		if n <= 0 {
			continue
		}
		if x := &tot[d]; n > x.topN || n == x.topN && o.String() < x.top.String() {
			x.top, x.topN = o, n
		}
	}
	return tot
}

func (d *dimTotals) cols() []string {
	attempts := d.approved + d.pending + d.declines
	top := ""
	if d.topN > 0 {
		top = d.top.String()
	}
	return []string{itoa(attempts), itoa(d.approved), itoa(d.pending), itoa(d.declines), FormatRate(d.declines, attempts), top}
}

var (
	totalCols = []string{"attempts", "approved", "pending", "declines", "decline_rate", "top_cause"}
	totalKind = []ColKind{ColInt, ColInt, ColInt, ColInt, ColRate, ColString}
)

func (a *Aggregator) merchantsTable(r *rollup) Table {
	mids := a.fields[record.MerchantID].vals
	tb := Table{Name: "merchants", Columns: slices.Concat([]string{"merchant_id", "merchant_name"}, totalCols),
		Kinds: slices.Concat([]ColKind{ColString, ColString}, totalKind)}
	for m, d := range dimRollUp(r.merch, len(mids)) {
		if d.seen {
			tb.Rows = append(tb.Rows, append([]string{mids[m], r.names[m]}, d.cols()...))
		}
	}
	sortRows(&tb)
	return tb
}

func (a *Aggregator) modelsTable(r *rollup) Table {
	models := a.fields[record.TerminalModel].vals
	tb := Table{Name: "terminal_models", Columns: slices.Concat([]string{"terminal_model"}, totalCols, []string{"terminals"}),
		Kinds: slices.Concat([]ColKind{ColString}, totalKind, []ColKind{ColInt})}
	terms := make([]int64, len(models))
	for key := range r.modelTerms {
		md, _ := splitPair(key)
		terms[md]++
	}
	for md, d := range dimRollUp(r.model, len(models)) {
		if d.seen {
			tb.Rows = append(tb.Rows, slices.Concat([]string{models[md]}, d.cols(), []string{itoa(terms[md])}))
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
	merch := make([]int64, len(r.causeDecl))
	for key := range r.causeMerch {
		cc, _ := splitPair(key)
		merch[cc]++
	}
	terms := make([]int64, len(r.causeDecl))
	for key := range r.causeTerm {
		cc, _ := splitPair(key)
		terms[cc]++
	}
	for cc, n := range r.causeDecl {
		if n == 0 {
			continue
		}
		cur, cause := int32(cc)/numOutcomes, record.Outcome(int32(cc)%numOutcomes)
		tb.Rows = append(tb.Rows, []string{cause.String(), itoa(n), a.amount(cur, r.causeAmt[cc]),
			FormatRate(n, r.declines), itoa(merch[cc]), itoa(terms[cc]), a.cur.vals[cur]})
	}
	sortRows(&tb)
	return tb
}

// sortRows sorts by the text columns in column order, bytewise.
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
