package report

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// TestLazyTables checks the lazy breakdowns of random runs against their
// materialized form: the rows read with Row (into a reused buffer), All
// and Materialized agree, reading twice gives the same rows, and sorting
// the materialized rows by their text (as the tables once were) changes
// nothing: sorting an index of groups gives the bytewise key order.
func TestLazyTables(t *testing.T) {
	by := [][]record.Field{{record.Region}, {record.MerchantID, record.TerminalModel}, {record.PaymentMethod, record.Region, record.TerminalFirmware}}
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 7))
		a := NewAggregator(Options{By: by})
		addAll(a, randRows(r, 500+r.IntN(3000)), 97)
		for _, tb := range a.Tables() {
			m := tb.Materialized()
			if len(m.Rows) != tb.Len() {
				t.Fatalf("%s: %d rows materialized, Len %d", tb.Name, len(m.Rows), tb.Len())
			}
			var buf []string
			for i := range tb.Len() {
				buf = tb.Row(i, buf)
				if !slices.Equal(buf, m.Rows[i]) || len(buf) != len(tb.Columns) {
					t.Fatalf("%s row %d: %q, materialized %q", tb.Name, i, buf, m.Rows[i])
				}
			}
			for i, row := range tb.All() {
				if !slices.Equal(row, m.Rows[i]) {
					t.Fatalf("%s row %d: All gives %q, materialized %q", tb.Name, i, row, m.Rows[i])
				}
			}
			sorted := Table{Name: m.Name, Columns: m.Columns, Kinds: m.Kinds, Rows: slices.Clone(m.Rows)}
			sortRows(&sorted)
			if !slices.EqualFunc(sorted.Rows, m.Rows, slices.Equal) {
				t.Errorf("seed %d: %s is not in bytewise key order", seed, tb.Name)
			}
			if !slices.EqualFunc(tb.Materialized().Rows, m.Rows, slices.Equal) {
				t.Errorf("seed %d: %s reads differently the second time", seed, tb.Name)
			}
		}
	}
}

// TestAppendColumns checks the lazy wrapper over a stored and a lazy table.
func TestAppendColumns(t *testing.T) {
	in := Table{Name: "x", Columns: []string{"a"}, Kinds: []ColKind{ColString}, Rows: [][]string{{"1"}, {"2"}}}
	add := func(tb Table) Table {
		return AppendColumns(tb, []string{"a", "b"}, []ColKind{ColString, ColString}, func(r, dst []string) []string {
			return append(dst, r[0]+"!")
		})
	}
	want := [][]string{{"1", "1!", "1!!"}, {"2", "2!", "2!!"}}
	got := AppendColumns(add(in), []string{"a", "b", "c"}, []ColKind{ColString, ColString, ColString}, func(r, dst []string) []string {
		return append(dst, r[1]+"!")
	}).Materialized()
	if got.Name != "x" || !slices.EqualFunc(got.Rows, want, slices.Equal) {
		t.Errorf("%s: %q, want %q", got.Name, got.Rows, want)
	}
	if len(in.Rows[0]) != 1 {
		t.Errorf("input changed: %q", in.Rows)
	}
}
