package report

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestHTMLEscapes puts markup into every text that reaches the page from
// the data (merchant names and ids, models, firmware, cause labels and
// remedies, file names, the command line, unmapped messages): none of it
// may come out as markup, in the HTML or inside the SVG charts.
func TestHTMLEscapes(t *testing.T) {
	const evil = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>&amp;`
	d := minimalDoc("en",
		Table{Name: "merchants", Columns: []string{"merchant_id", "merchant_name", "attempts", "approved", "pending", "declines", "decline_rate", "top_cause"},
			Kinds: []ColKind{ColString, ColString, ColInt, ColInt, ColInt, ColInt, ColRate, ColString},
			Rows:  [][]string{{"M" + evil, "N" + evil, "40", "38", "0", "2", "0.050000", "network"}}},
		Table{Name: "by_merchant", Columns: []string{"merchant_id", "merchant_name", "currency", "cause", "declines", "amount", "attempts", "decline_rate"},
			Kinds: []ColKind{ColString, ColString, ColString, ColString, ColInt, ColAmount, ColInt, ColRate},
			Rows:  [][]string{{"M" + evil, "N" + evil, "CNY", "network", "2", "3.50", "40", "0.050000"}}},
		Table{Name: "terminal_models", Columns: []string{"terminal_model", "attempts", "approved", "pending", "declines", "decline_rate", "top_cause", "terminals"},
			Kinds: []ColKind{ColString, ColInt, ColInt, ColInt, ColInt, ColRate, ColString, ColInt},
			Rows:  [][]string{{"T" + evil, "40", "38", "0", "2", "0.050000", "network", "1"}}},
		Table{Name: "by_terminal_model", Columns: []string{"terminal_model", "currency", "cause", "declines", "amount", "attempts", "decline_rate", "terminals"},
			Kinds: []ColKind{ColString, ColString, ColString, ColInt, ColAmount, ColInt, ColRate, ColInt},
			Rows:  [][]string{{"T" + evil, "CNY", "network", "2", "3.50", "40", "0.050000", "1"}}},
		Table{Name: "by_model_firmware", Columns: []string{"terminal_model", "terminal_firmware", "currency", "cause", "declines", "amount", "attempts", "decline_rate", "terminals"},
			Kinds: []ColKind{ColString, ColString, ColString, ColString, ColInt, ColAmount, ColInt, ColRate, ColInt},
			Rows:  [][]string{{"T" + evil, "F" + evil, "CNY", "network", "2", "3.50", "40", "0.050000", "1"}}},
		Table{Name: "by_cause", Columns: []string{"cause", "declines", "amount", "share", "merchants", "terminals", "currency"},
			Kinds: []ColKind{ColString, ColInt, ColAmount, ColRate, ColInt, ColInt, ColString},
			Rows:  [][]string{{"network", "2", "3.50", "1.000000", "1", "1", "CNY"}}},
	)
	d.Causes[0].Label = "L" + evil
	d.Causes[0].Remedy = "R" + evil
	d.Summary.Command = append(d.Summary.Command, evil)
	d.Summary.Inputs = []InputSummary{{Path: "P" + evil, Size: 1, Rows: 1, SHA256: "ab"}}
	d.Window = "W" + evil
	d.Unmapped = &Table{Name: "unmapped", Columns: []string{"code", "message"}, Kinds: []ColKind{ColString, ColString},
		Rows: [][]string{{"C" + evil, "M" + evil}}}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, "<script"); n != 1 { // the page's own sorting script
		t.Errorf("%d <script> elements, want 1", n)
	}
	if strings.Contains(out, "<img") {
		t.Error("an <img> from the data reached the page")
	}
	// every place the evil text went in shows it escaped
	escaped := regexp.MustCompile(`&lt;script&gt;alert\(1\)&lt;/script&gt;`)
	if n := len(escaped.FindAllString(out, -1)); n < 10 {
		t.Errorf("escaped text found %d times, expected it in every view", n)
	}
	if strings.Contains(out, "<no value>") {
		t.Error("a template field is missing")
	}
}

// TestHTMLPartial renders documents with parts missing: the page must
// still render, with a note instead of each missing view.
func TestHTMLPartial(t *testing.T) {
	for _, tc := range []struct {
		name      string
		doc       *Document
		has, hasN []string // substrings the page must / must not contain
	}{
		{"summary only", minimalDoc("en"),
			[]string{"No time series in this run", "Headline figures", "Provenance", `<section id="unmapped">`},
			[]string{"<svg", `id="causes"`, `id="merchants"`, `id="spike"`}},
		{"zh, no declines", func() *Document {
			d := minimalDoc("zh", Table{Name: "by_cause", Columns: []string{"cause", "declines"}, Kinds: []ColKind{ColString, ColInt}},
				Table{Name: "merchants", Columns: []string{"merchant_id", "declines", "attempts"}, Kinds: []ColKind{ColString, ColInt, ColInt},
					Rows: [][]string{{"M1", "0", "5"}}})
			d.Summary.Declines, d.Summary.DeclineRate, d.Summary.Causes = 0, nil, nil
			d.Spike = &Table{Name: "spike", Columns: []string{"key"}, Kinds: []ColKind{ColString}}
			return d
		}(), []string{`lang="zh-CN"`, "本次运行没有失败交易。", `id="spike"`, "本次运行没有时间序列"},
			[]string{"<svg", "<no value>"}},
		{"window and filter from the summary", func() *Document {
			d := minimalDoc("en")
			d.Summary.Window = &TimeWindow{First: "2026-11-21T14:00:01+08:00", Last: "2026-11-21T15:59:59+08:00"}
			d.Summary.Filter = &TimeFilter{From: "2026-11-21T14:00:00+08:00"}
			return d
		}(), []string{"Time window: 2026-11-21T14:00:01&#43;08:00 – 2026-11-21T15:59:59&#43;08:00 ·",
			"<dd>[2026-11-21T14:00:00&#43;08:00, …)</dd>"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteHTML(&buf, tc.doc); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, s := range tc.has {
				if !strings.Contains(out, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tc.hasN {
				if strings.Contains(out, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
	if err := WriteHTML(&bytes.Buffer{}, &Document{}); err == nil {
		t.Error("a document without a summary rendered")
	}
}

// TestPartsAmongTables: the time series, unmapped codes and spike
// findings may come as fields or among the tables; each shows once.
func TestPartsAmongTables(t *testing.T) {
	ts := Table{Name: "timeseries", Columns: []string{"bucket_start", "attempts", "declines_network"}, Kinds: []ColKind{ColString, ColInt, ColInt},
		Rows: [][]string{{"2026-11-21T00:00:00+08:00", "4", "1"}, {"2026-11-21T01:00:00+08:00", "4", "2"}}}
	um := Table{Name: "unmapped", Columns: []string{"code", "count"}, Kinds: []ColKind{ColString, ColInt}, Rows: [][]string{{"Q9", "3"}}}
	for _, tc := range []struct {
		name string
		doc  *Document
	}{
		{"among the tables", minimalDoc("en", ts, um)},
		{"fields and tables", func() *Document { d := minimalDoc("en", ts, um); d.Timeseries, d.Unmapped = &ts, &um; return d }()},
		{"fields only", func() *Document { d := minimalDoc("en"); d.Timeseries, d.Unmapped = &ts, &um; return d }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h, x bytes.Buffer
			if err := WriteHTML(&h, tc.doc); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(h.String(), "<polygon"); n != 1 {
				t.Errorf("%d time series bands, want 1", n)
			}
			if n := strings.Count(h.String(), "<td>Q9</td>"); n != 1 {
				t.Errorf("unmapped code shown %d times", n)
			}
			if err := WriteXLSX(&x, tc.doc); err != nil {
				t.Fatal(err)
			}
			f := readXLSX(t, x.Bytes())
			if got := strings.Join(f.GetSheetList(), ","); !strings.HasSuffix(got, ",Over time,Unmapped codes") || strings.Contains(got, "(2)") {
				t.Errorf("sheets %s", got)
			}
		})
	}
}

// TestHTMLTimeseries checks the stacked area: one band per cause with
// declines, the top edge at the bucket's decline rate.
func TestHTMLTimeseries(t *testing.T) {
	d := minimalDoc("en")
	d.Causes = append(d.Causes, CauseInfo{ID: "risk_control", Label: "risk control"}, CauseInfo{ID: "security", Label: "security"})
	d.Timeseries = &Table{Name: "timeseries",
		Columns: []string{"bucket_start", "attempts", "declines", "decline_rate", "declines_network", "declines_risk_control", "declines_security"},
		Kinds:   []ColKind{ColString, ColInt, ColInt, ColRate, ColInt, ColInt, ColInt},
		Rows: [][]string{
			{"2026-11-21T00:00:00+08:00", "10", "2", "0.200000", "1", "1", "0"},
			{"2026-11-21T01:00:00+08:00", "0", "0", "", "0", "0", "0"},
			{"2026-11-21T02:00:00+08:00", "4", "2", "0.500000", "2", "0", "0"},
		}}
	b := &htmlBuilder{d: d, lang: "en", causes: map[string]int{"network": 0, "risk_control": 1, "security": 2}, top: 10}
	svg, legend := b.timeseries()
	if n := strings.Count(string(svg), "<polygon"); n != 2 { // security has no declines
		t.Errorf("%d bands, want 2", n)
	}
	if len(legend) != 2 || legend[0].Label != "network problem" || legend[1].Label != "risk control" {
		t.Errorf("legend %+v", legend)
	}
	// y axis: the highest rate is 0.5, so the axis ends at 50%; the top edge of the bands is the rate (0.2 at y 171.2, 0.5 at the top, y 14)
	if !strings.Contains(string(svg), ">50%<") || !strings.Contains(string(svg), ">11-21 02:00<") ||
		!strings.Contains(string(svg), `<polygon points="60,171.2 502,276 944,14 `) {
		t.Errorf("axis labels missing:\n%s", svg)
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "999": "999", "1000": "1,000", "1234567": "1,234,567", "-1234.50": "-1,234.50",
		"123456.789": "123,456.789", "": "", "abc": "abc", "12a4": "12a4", "1.2.3": "1.2.3",
	} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSumAmounts(t *testing.T) {
	s := &Summary{Causes: map[string]CauseSummary{
		"a": {Amounts: map[string]string{"CNY": "0.10", "JPY": "7"}},
		"b": {Amounts: map[string]string{"CNY": "0.20", "BHD": "1.005"}},
		"c": {Amounts: map[string]string{"CNY": "9007199254740991.99"}},
	}}
	// exact: 0.10 + 0.20 is 0.30, not 0.30000000000000004
	for cur, want := range map[string]string{"JPY": "7", "BHD": "1.005", "CNY": "9007199254740992.29"} {
		if got := sumAmounts(s, cur); got != want {
			t.Errorf("%s: %s, want %s", cur, got, want)
		}
	}
	if got := summaryCurrencies(s); strings.Join(got, ",") != "BHD,CNY,JPY" {
		t.Errorf("currencies %v", got)
	}
}

func TestShellJoin(t *testing.T) {
	got := shellJoin([]string{"analyze", "run", "-o", "out dir", "--alert", "decline_rate>0.15", "it's", "a/b.csv"})
	want := `analyze run -o 'out dir' --alert 'decline_rate>0.15' 'it'\''s' a/b.csv`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestSVGHelpers(t *testing.T) {
	for _, tc := range []struct{ v, want float64 }{{0, 1}, {0.17, 0.2}, {0.2, 0.2}, {527, 600}, {111, 120}, {9.1, 10}, {1e-7, 1e-7}} {
		if got := niceMax(tc.v); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("niceMax(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
	for v, want := range map[float64]string{0: "0", 1.04: "1", 1.05: "1.1", -0.01: "0", 960: "960", math.NaN(): "0"} {
		if got := fnum(v); got != want {
			t.Errorf("fnum(%v) = %q, want %q", v, got, want)
		}
	}
	if heatColor(0) != "#f4f8fb" || heatColor(1) != "#08306b" || heatColor(2) != "#08306b" {
		t.Errorf("heat colours %s %s", heatColor(0), heatColor(1))
	}
	for _, tc := range []struct {
		s    string
		cols int
		want string
	}{{"abcdef", 6, "abcdef"}, {"abcdefg", 6, "abcde…"}, {"北京市朝阳区", 7, "北京市…"}} {
		if got := clip(tc.s, tc.cols); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.s, tc.cols, got, tc.want)
		}
	}
	if got := fmtRate("0.143810"); got != "14.38%" {
		t.Errorf("fmtRate: %s", got)
	}
	if got := fmtRate(""); got != "—" {
		t.Errorf("fmtRate empty: %s", got)
	}
}

// BenchmarkHTMLMillionMerchants renders a page over 1M merchants: the
// page stays small (top lists only) and the time is the scans.
func BenchmarkHTMLMillionMerchants(b *testing.B) {
	const n = 1_000_000
	merchants := Table{Name: "merchants", Columns: []string{"merchant_id", "merchant_name", "attempts", "approved", "pending", "declines", "decline_rate", "top_cause"},
		Kinds: []ColKind{ColString, ColString, ColInt, ColInt, ColInt, ColInt, ColRate, ColString}}
	byMerchant := Table{Name: "by_merchant", Columns: []string{"merchant_id", "merchant_name", "currency", "cause", "declines", "amount", "attempts", "decline_rate"},
		Kinds: []ColKind{ColString, ColString, ColString, ColString, ColInt, ColAmount, ColInt, ColRate}}
	for i := range n {
		id, name, d := "M"+strconv.Itoa(i), "商户"+strconv.Itoa(i), strconv.Itoa(i%97)
		merchants.Rows = append(merchants.Rows, []string{id, name, "100", "90", "0", d, "0.100000", "network"})
		byMerchant.Rows = append(byMerchant.Rows, []string{id, name, "CNY", "network", d, "1.00", "100", "0.100000"})
	}
	d := minimalDoc("zh", merchants, byMerchant)
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteHTML(&buf, d); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}
