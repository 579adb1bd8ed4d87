package report

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// export copies a's whole state into plain values, as a partial output
// would store it.
type exported struct {
	combos []ComboState
	groups map[int][]GroupState
	np     [record.OtherKind + 1]int64
}

func exportState(t *testing.T, a *Aggregator) exported {
	t.Helper()
	e := exported{groups: map[int][]GroupState{}, np: a.NonPurchase()}
	if err := a.EachCombo(func(c *ComboState) error { e.combos = append(e.combos, *c); return nil }); err != nil {
		t.Fatal(err)
	}
	for k := range a.By() {
		if !a.KeepsGroups(k) {
			continue
		}
		if err := a.EachGroup(k, func(g *GroupState) error {
			c := *g
			c.Values = slices.Clone(g.Values)
			e.groups[k] = append(e.groups[k], c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func importState(t *testing.T, a *Aggregator, e exported) {
	t.Helper()
	for i := range e.combos {
		if err := a.AddCombo(&e.combos[i]); err != nil {
			t.Fatal(err)
		}
	}
	for k, gs := range e.groups {
		for i := range gs {
			if err := a.AddGroup(k, &gs[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for k, n := range e.np {
		if record.TxnKind(k) != record.Purchase {
			if err := a.AddNonPurchase(record.TxnKind(k), n); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func summaryJSON(t *testing.T, a *Aggregator) string {
	t.Helper()
	var s Summary
	a.FillSummary(&s)
	b, err := MarshalSummary(&s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExportImport splits random rows over shards, exports each shard's
// aggregator, imports all the exports into a fresh one (in a shuffled
// order, some into an aggregator that already counted rows) and checks
// that it gives the bytes one aggregator over all rows gives.
func TestExportImport(t *testing.T) {
	by := [][]record.Field{{record.Region}, {record.MerchantID, record.TerminalModel}, {record.PaymentMethod, record.Region, record.TerminalFirmware}}
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 7))
		rows := randRows(r, 300+r.IntN(1500))
		whole := NewAggregator(Options{By: by})
		addAll(whole, rows, 97)
		wantCSV, wantJSON, wantSum := tablesCSV(t, whole.Tables()), tablesJSON(t, whole.Tables()), summaryJSON(t, whole)

		for _, shards := range []int{1, 2, 5} {
			var exports []exported
			rest := rows
			for s := range shards {
				k := len(rest)
				if s < shards-1 {
					k = r.IntN(len(rest) + 1)
				}
				a := NewAggregator(Options{By: by})
				addAll(a, rest[:k], 1+r.IntN(200))
				exports = append(exports, exportState(t, a))
				rest = rest[k:]
			}
			r.Shuffle(len(exports), func(i, j int) { exports[i], exports[j] = exports[j], exports[i] })
			merged := NewAggregator(Options{By: by})
			for _, e := range exports {
				importState(t, merged, e)
			}
			if got := tablesCSV(t, merged.Tables()); got != wantCSV {
				t.Errorf("seed %d, %d shards: CSV differs: %s", seed, shards, firstDiff(got, wantCSV))
			}
			if got := tablesJSON(t, merged.Tables()); got != wantJSON {
				t.Errorf("seed %d, %d shards: JSON differs: %s", seed, shards, firstDiff(got, wantJSON))
			}
			if got := summaryJSON(t, merged); got != wantSum {
				t.Errorf("seed %d, %d shards: summary differs: %s", seed, shards, firstDiff(got, wantSum))
			}
			// the export of the rebuilt aggregator is the export of the whole
			if got, want := exportState(t, merged), exportState(t, whole); !reflect.DeepEqual(got, want) {
				t.Errorf("seed %d, %d shards: re-export differs from the whole's export", seed, shards)
			}
		}
	}
}

// TestImportIntoCounted checks that imported state adds to rows an
// aggregator counted itself.
func TestImportIntoCounted(t *testing.T) {
	rows := smallRows()
	whole := NewAggregator(Options{By: smallBy})
	addAll(whole, rows, 3)
	a, b := NewAggregator(Options{By: smallBy}), NewAggregator(Options{By: smallBy})
	addAll(a, rows[:len(rows)/2], 2)
	addAll(b, rows[len(rows)/2:], 2)
	importState(t, a, exportState(t, b))
	if got, want := tablesCSV(t, a.Tables()), tablesCSV(t, whole.Tables()); got != want {
		t.Errorf("import into a counted aggregator: %s", firstDiff(got, want))
	}
}

func TestImportRejectsBadCounts(t *testing.T) {
	var decl [record.NumOutcomes]CauseCount
	decl[record.Network] = CauseCount{Declines: 2, Amount: 500}
	var approvedCause [record.NumOutcomes]CauseCount
	approvedCause[record.Approved] = CauseCount{Declines: 1}
	var amountOnly [record.NumOutcomes]CauseCount
	amountOnly[record.Network] = CauseCount{Amount: 5}
	tests := []struct {
		name string
		c    ComboState
		want string // "" = accepted
	}{
		{"consistent", ComboState{MerchantID: "M1", Currency: "CNY", Approved: 3, Declines: 2, Causes: decl}, ""},
		{"declines not matching causes", ComboState{MerchantID: "M1", Currency: "CNY", Declines: 3, Causes: decl}, "declines 3 but 2 by cause"},
		{"negative", ComboState{MerchantID: "M1", Approved: -1}, "negative count"},
		{"cause not a decline", ComboState{Declines: 1, Causes: approvedCause}, "declines counted as approved"},
		{"amount without declines", ComboState{Causes: amountOnly}, "amount of network without declines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator(Options{})
			err := a.AddCombo(&tt.c)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.want != "" && a.Tables()[0].Len() != 0 {
				t.Errorf("a rejected combo was counted")
			}
		})
	}
	a := NewAggregator(Options{By: [][]record.Field{{record.MerchantID}, {record.Region}}})
	if a.KeepsGroups(0) || !a.KeepsGroups(1) {
		t.Fatalf("KeepsGroups: merchant_id is rolled up, region kept")
	}
	if err := a.AddGroup(0, &GroupState{Values: []string{"M1"}}); err == nil {
		t.Errorf("AddGroup into a rolled-up --by accepted")
	}
	if err := a.AddGroup(1, &GroupState{Values: []string{"R1", "extra"}}); err == nil {
		t.Errorf("AddGroup with too many values accepted")
	}
	if err := a.AddNonPurchase(record.Purchase, 1); err == nil {
		t.Errorf("AddNonPurchase of purchases accepted")
	}
}
