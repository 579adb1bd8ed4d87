package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// minimalDoc is a document with a summary and the given tables.
func minimalDoc(lang string, tables ...Table) *Document {
	rate := json.Number("0.500000")
	return &Document{Lang: lang, Tables: tables,
		Summary: &Summary{Version: "v1", RulesVersion: "r1", GeneratedAt: "2026-11-22T06:00:00+08:00",
			Command: []string{"analyze", "run", "x.csv"}, RowsRead: 4, RowsClassified: 4, Attempts: 4, Declines: 2, DeclineRate: &rate,
			Causes: map[string]CauseSummary{"network": {Declines: 2, Amounts: map[string]string{"CNY": "3.50"}}}},
		Causes: []CauseInfo{{ID: "network", Label: "network problem", WhoActs: []string{"merchant"}, Retry: "soft", Remedy: "check"}}}
}

func readXLSX(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestXLSXSplit lowers the sheet size to 3 rows: 7 rows go on three
// sheets named "title", "title (2)", "title (3)", each with the header,
// frozen, filtered, and the rows in order.
func TestXLSXSplit(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 3
	tb := Table{Name: "by_cause", Columns: []string{"cause", "declines"}, Kinds: []ColKind{ColString, ColInt}}
	for i := range 7 {
		tb.Rows = append(tb.Rows, []string{"network", strconv.Itoa(i)})
	}
	empty := Table{Name: "merchants", Columns: []string{"merchant_id"}, Kinds: []ColKind{ColString}}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, minimalDoc("en", tb, empty)); err != nil {
		t.Fatal(err)
	}
	f := readXLSX(t, buf.Bytes())
	want := []string{"Summary", "By cause", "By cause (2)", "By cause (3)", "Merchants"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %q, want %q", got, want)
	}
	filters := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" {
			filters[dn.Scope] = dn.RefersTo
		}
	}
	next := 0
	for _, sheet := range want[1:4] {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 2 || !slices.Equal(rows[0], []string{"Cause", "Declines", "Cause id"}) {
			t.Fatalf("%s: rows %q", sheet, rows)
		}
		for _, r := range rows[1:] {
			if r[0] != "network problem" || r[1] != strconv.Itoa(next) || r[2] != "network" {
				t.Errorf("%s: row %q, want declines %d", sheet, r, next)
			}
			next++
		}
		p, err := f.GetPanes(sheet)
		if err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("%s: panes %+v %v", sheet, p, err)
		}
		if want := fmt.Sprintf("'%s'!$A$1:$C$%d", sheet, len(rows)); filters[sheet] != want {
			t.Errorf("%s: autofilter %q, want %q", sheet, filters[sheet], want)
		}
	}
	if next != 7 {
		t.Errorf("%d rows over the sheets, want 7", next)
	}
	// an empty breakdown still gets its sheet, with the header
	if rows, _ := f.GetRows("Merchants"); len(rows) != 1 || rows[0][0] != "Merchant ID" {
		t.Errorf("empty table: %q", rows)
	}
}

func TestSheetName(t *testing.T) {
	x := &xlsxWriter{used: map[string]bool{}}
	long := strings.Repeat("商", 40)
	for _, tc := range []struct{ in, want string }{
		{"By merchant", "By merchant"},
		{"by MERCHANT", "by MERCHANT (2)"}, // Excel compares names case-insensitively
		{"By merchant", "By merchant (3)"},
		{"a/b:c?d*e[f]g\\h", "a_b_c_d_e_f_g_h"},
		{"'quoted'", "quoted"},
		{"", "_"},
		{long, strings.Repeat("商", 31)},
		{long, strings.Repeat("商", 27) + " (2)"},
		{strings.Repeat("😀", 20), strings.Repeat("😀", 15)}, // 2 UTF-16 units each
	} {
		got := x.sheetName(tc.in)
		if got != tc.want {
			t.Errorf("sheetName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		f := excelize.NewFile()
		if _, err := f.NewSheet(got); err != nil {
			t.Errorf("excelize refuses %q: %v", got, err)
		}
		f.Close()
	}
}

// TestXLSXCells checks how each kind of cell is written: counts as
// integers, rates as fractions in percent format, amounts as numbers with
// their currency's decimals, empty numbers as empty cells, text as text.
func TestXLSXCells(t *testing.T) {
	tb := Table{Name: "by_merchant", Columns: []string{"merchant_name", "currency", "declines", "amount", "decline_rate", "cause"},
		Kinds: []ColKind{ColString, ColString, ColInt, ColAmount, ColRate, ColString},
		Rows: [][]string{
			{"=1+1 <b>", "CNY", "1234567", "1234567.50", "0.125000", "network"},
			{"便利店", "JPY", "3", "3000", "", "unknown"},
			{"x", "BHD", "0", "1.250", "1.000000", ""},
		}}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, minimalDoc("zh", tb)); err != nil {
		t.Fatal(err)
	}
	f := readXLSX(t, buf.Bytes())
	sheet := "按商户"
	type want struct {
		cell, raw, shown string
		typ              excelize.CellType
	}
	for _, w := range []want{
		{"A1", "商户名称", "商户名称", excelize.CellTypeInlineString},
		{"A2", "=1+1 <b>", "=1+1 <b>", excelize.CellTypeInlineString}, // text, never a formula
		{"C2", "1234567", "1,234,567", excelize.CellTypeUnset},
		{"D2", "1234567.5", "1,234,567.50", excelize.CellTypeUnset},
		{"E2", "0.125", "12.50%", excelize.CellTypeUnset},
		{"F2", "network problem", "network problem", excelize.CellTypeInlineString},
		{"G2", "network", "network", excelize.CellTypeInlineString},
		{"D3", "3000", "3,000", excelize.CellTypeUnset},
		{"E3", "", "", excelize.CellTypeUnset},
		{"F3", "unknown", "unknown", excelize.CellTypeInlineString}, // not in the catalogue: the id
		{"D4", "1.25", "1.250", excelize.CellTypeUnset},
		{"E4", "1", "100.00%", excelize.CellTypeUnset},
		{"F4", "", "", excelize.CellTypeUnset},
	} {
		raw, err := f.GetCellValue(sheet, w.cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		shown, _ := f.GetCellValue(sheet, w.cell)
		typ, _ := f.GetCellType(sheet, w.cell)
		if raw != w.raw || shown != w.shown || typ != w.typ {
			t.Errorf("%s: raw %q shown %q type %v, want %q %q %v", w.cell, raw, shown, typ, w.raw, w.shown, w.typ)
		}
	}
	if hdr, _ := f.GetCellValue(sheet, "G1"); hdr != "原因代码" {
		t.Errorf("id column header %q", hdr)
	}
	// CJK text counts double in the width
	if w, _ := f.GetColWidth(sheet, "A"); w != float64(DisplayWidth("商户名称")+2) {
		t.Errorf("column A width %v", w)
	}
}

func TestXLSXBadCell(t *testing.T) {
	tb := Table{Name: "t", Columns: []string{"declines"}, Kinds: []ColKind{ColInt}, Rows: [][]string{{"12x"}}}
	err := WriteXLSX(io.Discard, minimalDoc("en", tb))
	if err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("err = %v, want one naming the row", err)
	}
	if err := WriteXLSX(io.Discard, &Document{}); err == nil {
		t.Error("a document without a summary was written")
	}
	if err := WriteXLSX(io.Discard, &Document{Lang: "fr", Summary: &Summary{}}); err == nil {
		t.Error("--lang fr was accepted")
	}
}

// TestXLSXDeterministic writes the same workbook several times: excelize
// writes streamed sheets in map order, so without rezip the bytes would
// differ between runs.
func TestXLSXDeterministic(t *testing.T) {
	var tables []Table
	for _, name := range []string{"by_merchant", "by_terminal_model", "by_model_firmware", "merchants", "terminal_models", "by_cause"} {
		tables = append(tables, Table{Name: name, Columns: []string{"cause", "declines"}, Kinds: []ColKind{ColString, ColInt},
			Rows: [][]string{{"network", "1"}}})
	}
	d := minimalDoc("en", tables...)
	var first []byte
	for i := range 6 {
		var buf bytes.Buffer
		if err := WriteXLSX(&buf, d); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = buf.Bytes()
		} else if !bytes.Equal(first, buf.Bytes()) {
			t.Fatalf("write %d differs from the first", i+1)
		}
	}
}

// BenchmarkXLSXMillionRows writes a 1M-row by_merchant table (one sheet)
// and reports the peak heap above the table itself, sampled every 5 ms.
func BenchmarkXLSXMillionRows(b *testing.B) {
	const n = 1_000_000
	tb := Table{Name: "by_merchant", Columns: []string{"merchant_id", "merchant_name", "currency", "cause", "declines", "amount", "attempts", "decline_rate"},
		Kinds: []ColKind{ColString, ColString, ColString, ColString, ColInt, ColAmount, ColInt, ColRate}}
	causes := []string{"network", "consumer_account", "operator_error", "unknown"}
	for i := range n {
		tb.Rows = append(tb.Rows, []string{fmt.Sprintf("8981%011d", i), fmt.Sprintf("测试商户%d号便利店", i), "CNY", causes[i%4],
			strconv.Itoa(i%50 + 1), fmt.Sprintf("%d.%02d", i%100000, i%100), strconv.Itoa(i%500 + 50), "0.123456"})
	}
	d := minimalDoc("zh", tb)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var peak uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			var m runtime.MemStats
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			for {
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
		})
		cw := &countWriter{}
		err := WriteXLSX(cw, d)
		close(stop)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(cw.n)
		b.ReportMetric(float64(peak-min(peak, base.HeapInuse))/(1<<20), "peak-MiB-over-table")
		b.ReportMetric(float64(cw.n)/(1<<20), "file-MiB")
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
