package report

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/payops/analyze/pkg/record"
)

func TestLabelsComplete(t *testing.T) {
	for k, v := range labels {
		if v[0] == "" || v[1] == "" {
			t.Errorf("label %q misses a language: %q", k, v)
		}
		if strings.Count(v[0], "%") != strings.Count(v[1], "%") {
			t.Errorf("label %q: the languages have different format verbs: %q", k, v)
		}
		// titles become sheet names: at most 31 characters, none of : \ / ? * [ ]
		if strings.HasPrefix(k, "table.") {
			for _, s := range v {
				if utf8.RuneCountInString(s) > 31 || strings.ContainsAny(s, `:\/?*[]`) {
					t.Errorf("title %q = %q cannot be a sheet name", k, s)
				}
			}
		}
	}
}

// TestEveryColumnHasALabel builds every built-in breakdown, a --by one over
// every canonical field and the time series, and checks that each column
// has a header in both languages rather than showing its id.
func TestEveryColumnHasALabel(t *testing.T) {
	var all []record.Field
	for f := record.Field(0); f < record.NumFields; f++ {
		if f != record.TxnTime && f != record.Amount && f != record.TxnType && f != record.PAN {
			all = append(all, f)
		}
	}
	a := NewAggregator(Options{By: [][]record.Field{all}})
	addAll(a, smallRows(), 100)
	tables := a.Tables()
	c := NewCube(CubeOptions{Bucket: 3600})
	tables = append(tables, TimeseriesTable(c))
	causes := map[string]string{}
	for _, o := range record.Causes() {
		causes[o.String()] = "label of " + o.String()
	}
	for _, tb := range tables {
		for _, lang := range []string{LangEN, LangZH} {
			if title := TableTitle(lang, tb.Name); title == tb.Name || title == "" {
				t.Errorf("%s: no %s title", tb.Name, lang)
			}
			for _, col := range tb.Columns {
				if l := ColumnLabel(lang, col, causes); l == col || l == "" {
					t.Errorf("%s.%s: no %s label", tb.Name, col, lang)
				}
			}
		}
	}
}

func TestColumnLabel(t *testing.T) {
	causes := map[string]string{"network": "网络问题"}
	for _, tc := range []struct{ lang, col, want string }{
		{"en", "merchant_id", "Merchant ID"},
		{"zh", "merchant_id", "商户号"},
		{"en", "declines_network", "Declines: 网络问题"},
		{"zh", "declines_network", "网络问题失败笔数"},
		{"zh", "share_network", "网络问题失败率"},
		{"en", "declines_nosuch", "declines_nosuch"}, // a cause the catalogue lacks shows its id
		{"en", "some_new_column", "some_new_column"},
	} {
		if got := ColumnLabel(tc.lang, tc.col, causes); got != tc.want {
			t.Errorf("ColumnLabel(%s, %s) = %q, want %q", tc.lang, tc.col, got, tc.want)
		}
	}
}

func TestTableTitle(t *testing.T) {
	for _, tc := range []struct{ lang, name, want string }{
		{"en", "by_merchant", "By merchant"},
		{"zh", "by_cause", "按失败原因"},
		{"en", "by_region_payment_method", "By Region, Payment method"},
		{"zh", "by_region_payment_method", "按地区、支付方式"},
		{"zh", "by_merchant_id_terminal_model", "按商户号、终端型号"},
		{"en", "by_nosuchfield", "by_nosuchfield"},
		{"en", "custom", "custom"},
	} {
		if got := TableTitle(tc.lang, tc.name); got != tc.want {
			t.Errorf("TableTitle(%s, %s) = %q, want %q", tc.lang, tc.name, got, tc.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "en", true}, {"en", "en", true}, {"EN-us", "en", true}, {"zh", "zh", true},
		{"zh-CN", "zh", true}, {"zh_Hans", "zh", true}, {" ZH ", "zh", true},
		{"de", "", false}, {"zhx", "", false}, {"english", "", false},
	} {
		got, err := ParseLang(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseLang(%q) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestLocalWords(t *testing.T) {
	for _, tc := range []struct {
		lang, prefix string
		words        []string
		want         string
	}{
		{"en", "who.", []string{"merchant", "acquirer"}, "merchant, acquirer"},
		{"zh", "who.", []string{"merchant", "acquirer"}, "商户、收单机构"},
		{"zh", "who.", []string{"alien"}, "alien"},
		{"zh", "who.", nil, "—"},
		{"zh", "retry.", []string{""}, "—"},
		{"zh", "retry.", []string{"hard"}, "重试无效"},
	} {
		if got := localWords(tc.lang, tc.prefix, tc.words...); got != tc.want {
			t.Errorf("localWords(%s, %s, %q) = %q, want %q", tc.lang, tc.prefix, tc.words, got, tc.want)
		}
	}
}

func TestWithCauseLabels(t *testing.T) {
	labels := map[string]string{"network": "网络问题", "risk_control": "风控限制"}
	in := Table{Name: "merchants", Columns: []string{"merchant_id", "top_cause", "declines"},
		Kinds: []ColKind{ColString, ColString, ColInt},
		Rows:  [][]string{{"M1", "network", "3"}, {"M2", "", "0"}, {"M3", "brand_new_cause", "1"}}}
	orig := Table{Name: in.Name, Columns: slices.Clone(in.Columns), Kinds: slices.Clone(in.Kinds)}
	for _, r := range in.Rows {
		orig.Rows = append(orig.Rows, slices.Clone(r))
	}
	got := WithCauseLabels(in, labels).Materialized()
	wantCols := []string{"merchant_id", "top_cause", "declines", "top_cause_label"}
	if !slices.Equal(got.Columns, wantCols) || len(got.Kinds) != len(wantCols) || got.Kinds[3] != ColString {
		t.Fatalf("columns %v kinds %v, want %v", got.Columns, got.Kinds, wantCols)
	}
	want := [][]string{{"M1", "network", "3", "网络问题"}, {"M2", "", "0", ""}, {"M3", "brand_new_cause", "1", "brand_new_cause"}}
	if !slices.EqualFunc(got.Rows, want, slices.Equal) {
		t.Errorf("rows %q, want %q", got.Rows, want)
	}
	// the input is untouched, and appending to a result row cannot reach
	// the next row (each row's capacity ends where it does)
	if !slices.Equal(in.Columns, orig.Columns) || !slices.EqualFunc(in.Rows, orig.Rows, slices.Equal) {
		t.Errorf("input changed: %q", in.Rows)
	}
	_ = append(got.Rows[0], "x")
	if got.Rows[1][0] != "M2" {
		t.Error("rows share capacity")
	}

	byCause := Table{Name: "by_cause", Columns: []string{"cause", "declines"}, Kinds: []ColKind{ColString, ColInt},
		Rows: [][]string{{"risk_control", "2"}}}
	if g := WithCauseLabels(byCause, labels).Materialized(); !slices.Equal(g.Columns, []string{"cause", "declines", "cause_label"}) || g.Rows[0][2] != "风控限制" {
		t.Errorf("by_cause: %v %q", g.Columns, g.Rows)
	}
	// no cause column, or labels already there: unchanged
	plain := Table{Name: "x", Columns: []string{"a"}, Kinds: []ColKind{ColString}, Rows: [][]string{{"1"}}}
	if g := WithCauseLabels(plain, labels); !slices.Equal(g.Columns, plain.Columns) {
		t.Errorf("plain table gained %v", g.Columns)
	}
	twice := WithCauseLabels(WithCauseLabels(byCause, labels), labels)
	if len(twice.Columns) != 3 {
		t.Errorf("labelled twice: %v", twice.Columns)
	}
}
