package report

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// smallRows is a hand-built run whose breakdowns are worked out by hand in
// smallWant. It has two merchants, two models, three currencies (one with
// no minor digits), name and top-cause ties, a row with no terminal id, a
// duplicate and every non-purchase kind.
func smallRows() []row {
	east := map[record.Field]string{record.Region: "华东"}
	return []row{
		{tid: "T1", mid: "M1", name: "便利店", model: "A", fw: "1.0", cur: "CNY", amt: 1000, out: record.Approved, text: east},
		{tid: "T1", mid: "M1", name: "便利店", model: "A", fw: "1.0", cur: "CNY", amt: 1250, out: record.Network, text: east},
		{tid: "T1", mid: "M1", name: "便利店", model: "A", fw: "1.0", cur: "CNY", amt: 250, out: record.Network, text: east},
		{tid: "T1", mid: "M1", name: "便利店", model: "A", fw: "1.0", cur: "CNY", amt: 99, out: record.ConsumerAccount, text: east},
		{tid: "T2", mid: "M1", name: "便利店(总店)", model: "A", fw: "2.0", cur: "CNY", amt: 100, out: record.Network, text: east},
		{tid: "T2", mid: "M1", model: "A", fw: "2.0", cur: "CNY", amt: 5, out: record.Pending, text: east},
		{tid: "T1", mid: "M1", name: "便利店", model: "A", fw: "1.0", cur: "HKD", amt: 500, out: record.Network, text: east},
		{mid: "M2", name: "甲", model: "B", cur: "JPY", amt: 3000, out: record.RiskControl},
		{mid: "M2", name: "乙", model: "B", cur: "JPY", amt: 7, out: record.Network},
		{mid: "M2", model: "B", cur: "JPY", amt: 1, out: record.Approved},
		// skipped: a duplicate of row 2, and rows that are not purchases
		{tid: "T1", mid: "M1", name: "便利店", model: "A", fw: "1.0", cur: "CNY", amt: 1250, out: record.Network, dup: true, text: east},
		{tid: "T1", mid: "M1", name: "便利店", model: "A", fw: "1.0", cur: "CNY", amt: 1250, out: record.Network, kind: record.Refund},
		{tid: "T9", mid: "M3", name: "丙", model: "C", cur: "CNY", amt: 1, out: record.Network, kind: record.Void},
		{tid: "T9", mid: "M3", model: "C", cur: "CNY", amt: 1, out: record.Approved, kind: record.Reversal},
		{tid: "T9", mid: "M3", model: "C", cur: "CNY", amt: 1, out: record.Network, kind: record.OtherKind},
	}
}

var smallBy = [][]record.Field{{record.Region}, {record.MerchantID, record.TerminalModel}}

// smallWant: every row of every breakdown of smallRows, worked out by hand.
var smallWant = map[string]string{
	"by_merchant": `merchant_id,merchant_name,currency,cause,declines,amount,attempts,decline_rate
M1,便利店,CNY,consumer_account,1,0.99,6,0.166667
M1,便利店,CNY,network,3,16.00,6,0.500000
M1,便利店,HKD,network,1,5.00,1,1.000000
M2,乙,JPY,network,1,7,3,0.333333
M2,乙,JPY,risk_control,1,3000,3,0.333333
`,
	"by_terminal_model": `terminal_model,currency,cause,declines,amount,attempts,decline_rate,terminals
A,CNY,consumer_account,1,0.99,6,0.166667,1
A,CNY,network,3,16.00,6,0.500000,2
A,HKD,network,1,5.00,1,1.000000,1
B,JPY,network,1,7,3,0.333333,0
B,JPY,risk_control,1,3000,3,0.333333,0
`,
	"by_model_firmware": `terminal_model,terminal_firmware,currency,cause,declines,amount,attempts,decline_rate,terminals
A,1.0,CNY,consumer_account,1,0.99,4,0.250000,1
A,1.0,CNY,network,2,15.00,4,0.500000,1
A,1.0,HKD,network,1,5.00,1,1.000000,1
A,2.0,CNY,network,1,1.00,2,0.500000,1
B,,JPY,network,1,7,3,0.333333,0
B,,JPY,risk_control,1,3000,3,0.333333,0
`,
	"merchants": `merchant_id,merchant_name,attempts,approved,pending,declines,decline_rate,top_cause
M1,便利店,7,1,1,5,0.714286,network
M2,乙,3,1,0,2,0.666667,network
`,
	"terminal_models": `terminal_model,attempts,approved,pending,declines,decline_rate,top_cause,terminals
A,7,1,1,5,0.714286,network,2
B,3,1,0,2,0.666667,network,0
`,
	"by_cause": `cause,declines,amount,share,merchants,terminals,currency
consumer_account,1,0.99,0.142857,1,1,CNY
network,3,16.00,0.428571,1,2,CNY
network,1,5.00,0.142857,1,1,HKD
network,1,7,0.142857,1,0,JPY
risk_control,1,3000,0.142857,1,0,JPY
`,
	"by_region": `region,currency,cause,declines,amount,attempts,decline_rate
,JPY,network,1,7,3,0.333333
,JPY,risk_control,1,3000,3,0.333333
华东,CNY,consumer_account,1,0.99,6,0.166667
华东,CNY,network,3,16.00,6,0.500000
华东,HKD,network,1,5.00,1,1.000000
`,
	"by_merchant_id_terminal_model": `merchant_id,terminal_model,currency,cause,declines,amount,attempts,decline_rate
M1,A,CNY,consumer_account,1,0.99,6,0.166667
M1,A,CNY,network,3,16.00,6,0.500000
M1,A,HKD,network,1,5.00,1,1.000000
M2,B,JPY,network,1,7,3,0.333333
M2,B,JPY,risk_control,1,3000,3,0.333333
`,
}

var tableOrder = []string{"by_merchant", "by_terminal_model", "by_model_firmware", "merchants", "terminal_models", "by_cause", "by_region", "by_merchant_id_terminal_model"}

func TestSmallBreakdowns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch int // rows per batch
		aggs  int // aggregators, rows dealt round-robin by batch
	}{
		{"one batch", 100, 1},
		{"batches of 1", 1, 1},
		{"batches of 3, 2 aggregators", 3, 2},
		{"batches of 1, 7 aggregators", 1, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aggs := make([]*Aggregator, tc.aggs)
			for i := range aggs {
				aggs[i] = NewAggregator(Options{By: smallBy})
			}
			rows := smallRows()
			for i := 0; i*tc.batch < len(rows); i++ {
				addAll(aggs[i%tc.aggs], rows[i*tc.batch:min(len(rows), (i+1)*tc.batch)], tc.batch)
			}
			for _, o := range aggs[1:] {
				aggs[0].Merge(o)
			}
			tables := aggs[0].Tables()
			var names []string
			for _, tb := range tables {
				names = append(names, tb.Name)
			}
			if !slices.Equal(names, tableOrder) {
				t.Fatalf("tables %v, want %v", names, tableOrder)
			}
			for i := range tables {
				var sb strings.Builder
				if err := WriteCSV(&sb, &tables[i], false); err != nil {
					t.Fatal(err)
				}
				if got, want := sb.String(), smallWant[tables[i].Name]; got != want {
					t.Errorf("%s:\n got:\n%s\nwant:\n%s", tables[i].Name, got, want)
				}
				if len(tables[i].Kinds) != len(tables[i].Columns) {
					t.Errorf("%s: %d kinds for %d columns", tables[i].Name, len(tables[i].Kinds), len(tables[i].Columns))
				}
			}

			var sum Summary
			aggs[0].FillSummary(&sum)
			rate := json.Number("0.700000")
			want := Summary{
				SchemaVersion: 1,
				NonPurchase:   map[string]int64{"void": 1, "refund": 1, "reversal": 1, "other": 1},
				Attempts:      10, Approved: 2, Pending: 1, Declines: 7, DeclineRate: &rate, Merchants: 2,
				Causes: map[string]CauseSummary{
					"consumer_account": {Declines: 1, Amounts: map[string]string{"CNY": "0.99"}},
					"network":          {Declines: 5, Amounts: map[string]string{"CNY": "16.00", "HKD": "5.00", "JPY": "7"}},
					"risk_control":     {Declines: 1, Amounts: map[string]string{"JPY": "3000"}},
				},
			}
			gotJ, _ := MarshalSummary(&sum)
			wantJ, _ := MarshalSummary(&want)
			if string(gotJ) != string(wantJ) {
				t.Errorf("summary:\n got: %s\nwant: %s", gotJ, wantJ)
			}
		})
	}
}

func TestMissingColumns(t *testing.T) {
	// only merchant ids and outcomes: every other text column is nil
	rows := []row{
		{mid: "M1", name: "x", cur: "HKD", amt: 10, out: record.Network},
		{mid: "M1", name: "x", cur: "HKD", amt: 10, out: record.Approved},
	}
	a := NewAggregator(Options{By: [][]record.Field{{record.Channel}}})
	addAll(a, rows, 10, record.MerchantName, record.Currency)
	got := tablesCSV(t, a.Tables())
	want := `== by_merchant
merchant_id,merchant_name,currency,cause,declines,amount,attempts,decline_rate
M1,,CNY,network,1,0.10,2,0.500000
== by_terminal_model
terminal_model,currency,cause,declines,amount,attempts,decline_rate,terminals
,CNY,network,1,0.10,2,0.500000,0
== by_model_firmware
terminal_model,terminal_firmware,currency,cause,declines,amount,attempts,decline_rate,terminals
,,CNY,network,1,0.10,2,0.500000,0
== merchants
merchant_id,merchant_name,attempts,approved,pending,declines,decline_rate,top_cause
M1,,2,1,0,1,0.500000,network
== terminal_models
terminal_model,attempts,approved,pending,declines,decline_rate,top_cause,terminals
,2,1,0,1,0.500000,network,0
== by_cause
cause,declines,amount,share,merchants,terminals,currency
network,1,0.10,1.000000,1,0,CNY
== by_channel
channel,currency,cause,declines,amount,attempts,decline_rate
,CNY,network,1,0.10,2,0.500000
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestShortColumns(t *testing.T) {
	// Kind, Outcome and Amount missing: purchases, unknown cause, zero amount
	b := &record.Batch{Len: 2}
	b.Text[record.MerchantID] = []string{"M1", "M2"}
	a := NewAggregator(Options{})
	a.Add(b)
	tot := a.Totals()
	if tot.Attempts != 2 || tot.Declines != 2 || len(tot.Causes) != 1 || tot.Causes[0].Cause != record.Unknown || tot.Causes[0].Amount != 0 {
		t.Errorf("totals %+v", tot)
	}
	// out-of-range outcome and kind
	b = &record.Batch{Len: 2, Kind: []record.TxnKind{record.Purchase, 99}, Outcome: []record.Outcome{200, 0}, Amount: []int64{5, 5}}
	a = NewAggregator(Options{})
	a.Add(b)
	tot = a.Totals()
	if tot.Attempts != 1 || tot.Causes[0].Cause != record.Unknown || tot.NonPurchase["other"] != 1 {
		t.Errorf("totals %+v", tot)
	}
}

func TestEmpty(t *testing.T) {
	a := NewAggregator(Options{By: smallBy})
	a.Add(&record.Batch{})
	for _, tb := range a.Tables() {
		if tb.Len() != 0 {
			t.Errorf("%s: %d rows", tb.Name, tb.Len())
		}
	}
	var s Summary
	a.FillSummary(&s)
	if s.DeclineRate != nil || s.Attempts != 0 {
		t.Errorf("summary %+v", s)
	}
	j, _ := MarshalSummary(&s)
	if !strings.Contains(string(j), `"decline_rate": null`) || !strings.Contains(string(j), `"inputs": []`) {
		t.Errorf("summary json %s", j)
	}
}

// TestAgainstReference checks every breakdown of random runs against an
// independent implementation, with the rows spread over 1, 2 and 7
// aggregators in batches of random sizes and merged in random orders, and
// checks that the CSV and JSON are byte-identical whatever the spread.
func TestAgainstReference(t *testing.T) {
	by := [][]record.Field{{record.Region}, {record.MerchantID, record.TerminalModel}, {record.PaymentMethod, record.Region, record.TerminalFirmware}}
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 42))
		rows := randRows(r, 200+r.IntN(2000))
		ref := reference(rows, by)
		var firstCSV, firstJSON, firstSum string
		for _, n := range []int{1, 2, 7} {
			aggs := make([]*Aggregator, n)
			for i := range aggs {
				aggs[i] = NewAggregator(Options{By: by})
			}
			rest := rows
			for len(rest) > 0 {
				k := min(len(rest), 1+r.IntN(300))
				addAll(aggs[r.IntN(n)], rest[:k], k)
				rest = rest[k:]
			}
			// merge in a random tree
			for len(aggs) > 1 {
				i, j := r.IntN(len(aggs)), r.IntN(len(aggs)-1)
				if j >= i {
					j++
				}
				aggs[i].Merge(aggs[j])
				aggs = slices.Delete(aggs, j, j+1)
			}
			tables := aggs[0].Tables()
			for _, tb := range tables {
				tb := tb.Materialized()
				want := ref[tb.Name]
				if len(want) == 0 && len(tb.Rows) == 0 {
					continue
				}
				if !slices.EqualFunc(tb.Rows, want, slices.Equal) {
					t.Errorf("seed %d, %d aggregators: %s differs from the reference\n got: %q\nwant: %q", seed, n, tb.Name, head(tb.Rows), head(want))
				}
			}
			var s Summary
			aggs[0].FillSummary(&s)
			sj, _ := MarshalSummary(&s)
			c, j := tablesCSV(t, tables), tablesJSON(t, tables)
			if firstCSV == "" {
				firstCSV, firstJSON, firstSum = c, j, string(sj)
				continue
			}
			if c != firstCSV || j != firstJSON || string(sj) != firstSum {
				t.Errorf("seed %d: %d aggregators give other bytes than 1", seed, n)
			}
		}
	}
}

func head(rows [][]string) [][]string { return rows[:min(len(rows), 4)] }

func TestMergeConsumes(t *testing.T) {
	a, b := NewAggregator(Options{By: smallBy}), NewAggregator(Options{By: smallBy})
	addAll(a, smallRows()[:5], 5)
	addAll(b, smallRows()[5:], 5)
	a.Merge(b)
	a.Merge(nil)
	a.Merge(a)
	for _, tb := range b.Tables() {
		if tb.Len() != 0 {
			t.Errorf("merged-away aggregator still has %s rows", tb.Name)
		}
	}
	// b is usable again, empty
	addAll(b, smallRows(), 4)
	if got, want := tablesCSV(t, b.Tables()), tablesCSV(t, a.Tables()); got != want {
		t.Errorf("reused aggregator differs")
	}
}

func TestFormatRate(t *testing.T) {
	for _, tc := range []struct {
		num, den int64
		want     string
	}{
		{1, 8, "0.125000"},
		{1, 3, "0.333333"},
		{2, 3, "0.666667"},
		{5, 7, "0.714286"},
		{0, 5, "0.000000"},
		{5, 5, "1.000000"},
		{1, 2_000_000, "0.000001"}, // exactly half: rounds up
		{1, 2_000_001, "0.000000"}, // just under half
		{1_999_999, 2_000_000, "1.000000"},
		{1, 1_000_000, "0.000001"},
		{1<<62 - 1, 1<<62 - 1, "1.000000"},
		{1 << 61, 1<<62 - 1, "0.500000"},
		{3, 2, "1.500000"},
		{1, 0, ""},
		{-1, 3, ""},
	} {
		if got := FormatRate(tc.num, tc.den); got != tc.want {
			t.Errorf("FormatRate(%d, %d) = %q, want %q", tc.num, tc.den, got, tc.want)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	for _, tc := range []struct {
		v      int64
		digits int
		want   string
	}{
		{0, 2, "0.00"},
		{0, 0, "0"},
		{0, 3, "0.000"},
		{5, 2, "0.05"},
		{-5, 2, "-0.05"},
		{-123450, 2, "-1234.50"},
		{123450, 2, "1234.50"},
		{7, 0, "7"},
		{-7, 0, "-7"},
		{-7, 3, "-0.007"},
		{1000, 3, "1.000"},
		{-9223372036854775807, 2, "-92233720368547758.07"},
	} {
		if got := record.FormatMinor(tc.v, tc.digits); got != tc.want {
			t.Errorf("FormatMinor(%d, %d) = %q, want %q", tc.v, tc.digits, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		by      [][]record.Field
		wantErr string
	}{
		{nil, ""},
		{[][]record.Field{{record.Region}, {record.MerchantID, record.PaymentMethod}}, ""},
		{[][]record.Field{{record.TerminalModel, record.TerminalFirmware}}, ""},
		{[][]record.Field{{}}, "no field"},
		{[][]record.Field{{record.TxnTime}}, "txn_time is not a text field"},
		{[][]record.Field{{record.Region, record.Amount}}, "amount is not a text field"},
		{[][]record.Field{{record.TxnType}}, "txn_type is not a text field"},
		{[][]record.Field{{record.Currency}}, "currency"},
		{[][]record.Field{{record.PAN}}, "card number"},
		{[][]record.Field{{record.Region, record.Region}}, "region given twice"},
		{[][]record.Field{{record.Region}, {record.Region}}, "already written"},
		{[][]record.Field{{record.TerminalModel}}, "already written"}, // by_terminal_model is built in
		{[][]record.Field{{record.NumFields}}, "unknown field"},
	} {
		o := Options{By: tc.by}
		err := o.Validate()
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%v: %v", tc.by, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: error %v, want one with %q", tc.by, err, tc.wantErr)
		case err != nil && record.KindOf(err) != record.KindUsage:
			t.Errorf("%v: kind %v, want usage", tc.by, record.KindOf(err))
		}
		// NewAggregator ignores what Validate rejects, without panicking
		a := NewAggregator(o)
		addAll(a, smallRows(), 4)
		a.Tables()
	}
}

// TestLongTuple covers tuples longer than a combo holds inline and field
// values longer than a one-byte length.
func TestLongTuple(t *testing.T) {
	long := strings.Repeat("长", 100) // 300 bytes
	rows := []row{
		{tid: "T1", mid: "M1", name: long, model: "A", out: record.Network, amt: 1},
		{tid: "T1", mid: "M1", name: long, model: "A", out: record.Network, amt: 1},
		{tid: "T1", mid: "M1", name: long + "x", model: "A", out: record.Network, amt: 1},
		{tid: "T1", mid: "M1", name: long[:60], model: "A", out: record.Network, amt: 1},
	}
	a := NewAggregator(Options{})
	addAll(a, rows, 1)
	b := NewAggregator(Options{})
	addAll(b, rows[2:], 2)
	c := NewAggregator(Options{})
	addAll(c, rows[:2], 2)
	c.Merge(b)
	for _, x := range []*Aggregator{a, c} {
		tb := x.Tables()[3].Materialized() // merchants
		if len(tb.Rows) != 1 || tb.Rows[0][1] != long || tb.Rows[0][2] != "4" {
			t.Errorf("merchants %q", tb.Rows)
		}
	}
}

// TestGolden writes the breakdowns, summary and text report of a fixed
// random run and compares them with testdata/golden (go test -update
// rewrites them). TestAgainstReference vouches for the numbers.
func TestGolden(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	rows := append(smallRows(), randRows(r, 400)...)
	a := NewAggregator(Options{By: smallBy})
	addAll(a, rows, 64)
	tables := a.Tables()
	sum := &Summary{Version: "test", RulesVersion: "rules-test", RowsRead: int64(len(rows)) + 3, RowsClassified: int64(len(rows)), RowsRejected: 2, RowsFiltered: 1,
		Duplicates: 5, Inputs: []InputSummary{{Path: "a.csv", Size: 10, SHA256: "00", Rows: 9}, {Path: "b.csv", Error: "b.csv: format: not csv"}},
		UnknownValues: map[string]map[string]int{"channel": {"ATM": 2}}}
	a.FillSummary(sum)
	files := map[string][]byte{}
	for i := range tables {
		var c, j strings.Builder
		if err := WriteCSV(&c, &tables[i], false); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&j, &tables[i]); err != nil {
			t.Fatal(err)
		}
		files[tables[i].Name+".csv"] = []byte(c.String())
		files[tables[i].Name+".json"] = []byte(j.String())
	}
	sj, err := MarshalSummary(sum)
	if err != nil {
		t.Fatal(err)
	}
	files["summary.json"] = sj
	var text strings.Builder
	if err := WriteText(&text, sum, tables, TextOptions{Top: 5}); err != nil {
		t.Fatal(err)
	}
	files["text.txt"] = []byte(text.String())
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, got := range files {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s missing: run go test -update", path)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from the golden file (go test -update to accept):\n%s", path, firstDiff(string(got), string(want)))
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, a, b)
		}
	}
	return ""
}
