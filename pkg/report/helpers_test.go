package report

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/payops/analyze/pkg/record"
)

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// row is one test transaction.
type row struct {
	tid, mid, name, model, fw, cur string
	text                           map[record.Field]string // other text fields (region, mcc, ...)
	amt                            int64
	kind                           record.TxnKind
	out                            record.Outcome
	dup                            bool
}

func (r row) val(f record.Field) string {
	switch f {
	case record.TerminalID:
		return r.tid
	case record.MerchantID:
		return r.mid
	case record.MerchantName:
		return r.name
	case record.TerminalModel:
		return r.model
	case record.TerminalFirmware:
		return r.fw
	case record.Currency:
		return r.cur
	}
	return r.text[f]
}

// mkBatch builds a batch of rows. Every text field some row sets gets a
// column, except those in omit; the strings of the batch share one arena,
// as ingest's do, and the arena is overwritten after the aggregator has
// seen it (see addAll), so a kept string that was not cloned shows.
func mkBatch(rows []row, omit ...record.Field) (*record.Batch, []byte) {
	b := &record.Batch{Len: len(rows)}
	var arena []byte
	type span struct {
		f        record.Field
		off, len int
	}
	var spans []span
	has := func(f record.Field) bool {
		if slices.Contains(omit, f) {
			return false
		}
		for _, r := range rows {
			if r.val(f) != "" {
				return true
			}
		}
		return false
	}
	var present []record.Field
	for f := record.Field(0); f < record.NumFields; f++ {
		if f != record.TxnTime && f != record.Amount && f != record.TxnType && has(f) {
			present = append(present, f)
		}
	}
	anyDup := false
	for _, r := range rows {
		b.Amount = append(b.Amount, r.amt)
		b.Kind = append(b.Kind, r.kind)
		b.Outcome = append(b.Outcome, r.out)
		anyDup = anyDup || r.dup
		for _, f := range present {
			v := r.val(f)
			spans = append(spans, span{f, len(arena), len(v)})
			arena = append(arena, v...)
		}
	}
	if anyDup {
		for _, r := range rows {
			b.Dup = append(b.Dup, r.dup)
		}
	}
	// strings into the arena without copying, like a reader's arena
	s := unsafeString(arena)
	for _, f := range present {
		b.Text[f] = make([]string, 0, len(rows))
	}
	for _, sp := range spans {
		b.Text[sp.f] = append(b.Text[sp.f], s[sp.off:sp.off+sp.len])
	}
	return b, arena
}

// addAll adds rows to a in batches of size n, then scribbles over each
// batch's arena.
func addAll(a *Aggregator, rows []row, n int, omit ...record.Field) {
	for len(rows) > 0 {
		k := min(n, len(rows))
		b, arena := mkBatch(rows[:k], omit...)
		a.Add(b)
		for i := range arena {
			arena[i] = '#'
		}
		rows = rows[k:]
	}
}

// tablesCSV renders tables as CSV, for byte comparisons.
func tablesCSV(t *testing.T, tables []Table) string {
	t.Helper()
	var buf bytes.Buffer
	for i := range tables {
		fmt.Fprintf(&buf, "== %s\n", tables[i].Name)
		if err := WriteCSV(&buf, &tables[i], false); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

func tablesJSON(t *testing.T, tables []Table) string {
	t.Helper()
	var buf bytes.Buffer
	for i := range tables {
		if err := WriteJSON(&buf, &tables[i]); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// randRows makes n random rows over small pools, with empty values, two
// names for some merchants, several currencies, duplicates, every kind and
// every outcome.
func randRows(r *rand.Rand, n int) []row {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	var rows []row
	for range n {
		m := r.IntN(40)
		x := row{
			tid:   pick("", "T1", "T2", "T3", "T4", "T5", "T6", "终端7", fmt.Sprintf("T%d", 100+r.IntN(30))),
			mid:   fmt.Sprintf("M%02d", m),
			model: pick("", "PAX-A920", "PAX-S90", "新大陆 ME31", "VERIFONE"),
			fw:    pick("", "1.0", "1.1", "2.0"),
			cur:   pick("", "CNY", "CNY", "CNY", "HKD", "JPY", "KWD"),
			amt:   int64(r.IntN(100000)),
			text: map[record.Field]string{
				record.Region:        fmt.Sprintf("R%d", m%5),
				record.PaymentMethod: pick("alipay", "wechat", "unionpay_qr", ""),
			},
		}
		switch {
		case m%7 == 0: // no name
		case m%5 == 0:
			x.name = pick("店A", "店B") // two names, often tied
		default:
			x.name = fmt.Sprintf("商户%d号", m)
		}
		if r.IntN(20) == 0 {
			x.kind = record.TxnKind(1 + r.IntN(4))
		}
		x.dup = r.IntN(25) == 0
		x.out = record.Outcome(r.IntN(int(record.NumOutcomes)))
		rows = append(rows, x)
	}
	return rows
}

// reference computes the breakdowns straight from the contract, with maps
// of strings and big rationals: an independent implementation to check the
// aggregator against.
func reference(rows []row, by [][]record.Field) map[string][][]string {
	cur := func(r row) string {
		if r.cur == "" {
			return "CNY"
		}
		return r.cur
	}
	rate := func(n, d int64) string {
		if d == 0 {
			return ""
		}
		return new(big.Rat).SetFrac64(n, d).FloatString(6) // halves away from zero
	}
	money := func(v int64, c string) string { return record.FormatMinor(v, record.CurrencyDigits(c)) }
	var att []row
	for _, r := range rows {
		if !r.dup && r.kind == record.Purchase {
			att = append(att, r)
		}
	}
	names := map[string]map[string]int{}
	for _, r := range att {
		if r.name != "" {
			if names[r.mid] == nil {
				names[r.mid] = map[string]int{}
			}
			names[r.mid][r.name]++
		}
	}
	nameOf := func(m string) string {
		best, n := "", 0
		for s, c := range names[m] {
			if c > n || c == n && s < best {
				best, n = s, c
			}
		}
		return best
	}
	const sep = "\x00"
	type counts struct{ approved, pending, declines int64 }
	type cell struct {
		declines, amount int64
		terms            map[string]bool
	}
	causeTable := func(key func(r row) []string, terms bool, expand func(k []string) []string) [][]string {
		groups := map[string]*counts{}
		cells := map[string]*cell{}
		for _, r := range att {
			g := strings.Join(append(key(r), cur(r)), sep)
			if groups[g] == nil {
				groups[g] = &counts{}
			}
			switch r.out {
			case record.Approved:
				groups[g].approved++
				continue
			case record.Pending:
				groups[g].pending++
				continue
			}
			groups[g].declines++
			c := g + sep + r.out.String()
			if cells[c] == nil {
				cells[c] = &cell{terms: map[string]bool{}}
			}
			cells[c].declines++
			cells[c].amount += r.amt
			if r.tid != "" {
				cells[c].terms[r.tid] = true
			}
		}
		var out [][]string
		for c, cl := range cells {
			parts := strings.Split(c, sep)
			k, cu, cause := parts[:len(parts)-2], parts[len(parts)-2], parts[len(parts)-1]
			g := groups[strings.Join(append(slices.Clone(k), cu), sep)]
			attempts := g.approved + g.pending + g.declines
			row := append(expand(k), cu, cause, fmt.Sprint(cl.declines), money(cl.amount, cu), fmt.Sprint(attempts), rate(cl.declines, attempts))
			if terms {
				row = append(row, fmt.Sprint(len(cl.terms)))
			}
			out = append(out, row)
		}
		return out
	}
	same := func(k []string) []string { return slices.Clone(k) }
	totalTable := func(key func(r row) string, withTerms bool, expand func(string) []string) [][]string {
		type tot struct {
			counts
			causes map[string]int64
			terms  map[string]bool
		}
		m := map[string]*tot{}
		for _, r := range att {
			k := key(r)
			if m[k] == nil {
				m[k] = &tot{causes: map[string]int64{}, terms: map[string]bool{}}
			}
			t := m[k]
			if r.tid != "" {
				t.terms[r.tid] = true
			}
			switch r.out {
			case record.Approved:
				t.approved++
			case record.Pending:
				t.pending++
			default:
				t.declines++
				t.causes[r.out.String()]++
			}
		}
		var out [][]string
		for k, t := range m {
			top, n := "", int64(0)
			for c, d := range t.causes {
				if d > n || d == n && c < top {
					top, n = c, d
				}
			}
			attempts := t.approved + t.pending + t.declines
			row := append(expand(k), fmt.Sprint(attempts), fmt.Sprint(t.approved), fmt.Sprint(t.pending), fmt.Sprint(t.declines), rate(t.declines, attempts), top)
			if withTerms {
				row = append(row, fmt.Sprint(len(t.terms)))
			}
			out = append(out, row)
		}
		return out
	}
	res := map[string][][]string{
		"by_merchant": causeTable(func(r row) []string { return []string{r.mid} }, false,
			func(k []string) []string { return []string{k[0], nameOf(k[0])} }),
		"by_terminal_model": causeTable(func(r row) []string { return []string{r.model} }, true, same),
		"by_model_firmware": causeTable(func(r row) []string { return []string{r.model, r.fw} }, true, same),
		"merchants":         totalTable(func(r row) string { return r.mid }, false, func(k string) []string { return []string{k, nameOf(k)} }),
		"terminal_models":   totalTable(func(r row) string { return r.model }, true, func(k string) []string { return []string{k} }),
	}
	// by_cause
	type cc struct {
		declines, amount int64
		merch, terms     map[string]bool
	}
	causes := map[[2]string]*cc{}
	var all int64
	for _, r := range att {
		if !r.out.IsDecline() {
			continue
		}
		all++
		k := [2]string{r.out.String(), cur(r)}
		if causes[k] == nil {
			causes[k] = &cc{merch: map[string]bool{}, terms: map[string]bool{}}
		}
		c := causes[k]
		c.declines++
		c.amount += r.amt
		if r.mid != "" {
			c.merch[r.mid] = true
		}
		if r.tid != "" {
			c.terms[r.tid] = true
		}
	}
	var bc [][]string
	for k, c := range causes {
		bc = append(bc, []string{k[0], fmt.Sprint(c.declines), money(c.amount, k[1]), rate(c.declines, all), fmt.Sprint(len(c.merch)), fmt.Sprint(len(c.terms)), k[1]})
	}
	res["by_cause"] = bc
	for _, dims := range by {
		res[ByName(dims)] = causeTable(func(r row) []string {
			v := make([]string, len(dims))
			for i, f := range dims {
				v[i] = r.val(f)
			}
			return v
		}, false, same)
	}
	// sort by the key columns: for these tables, every column up to the
	// numbers, and top_cause never decides (the keys are unique); by_cause's
	// keys are its first and last columns (cause, currency)
	for name, rows := range res {
		if name == "by_cause" {
			slices.SortFunc(rows, func(x, y []string) int {
				return slices.Compare([]string{x[0], x[len(x)-1]}, []string{y[0], y[len(y)-1]})
			})
			continue
		}
		slices.SortFunc(rows, func(x, y []string) int { return slices.Compare(x, y) })
	}
	return res
}
