package rsbench

import (
	"bufio"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/localize"
)

func TestLoadMini(t *testing.T) {
	cases, err := Load("testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("%d cases, want 2", len(cases))
	}
	one := cases[0]
	if one.Name != "one" || one.Timestamp != 600 {
		t.Errorf("case %q at %d", one.Name, one.Timestamp)
	}
	if want := []string{"a=x&b=2"}; !reflect.DeepEqual(one.Labels, want) {
		t.Errorf("labels %v, want %v", one.Labels, want)
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(one.Input.Dims, want) {
		t.Errorf("dims %v, want %v (read by header, value and cnt skipped)", one.Input.Dims, want)
	}
	// Leaves at t only (w is dropped); history is t-60..t-240 only
	// (300 is t-300 and ignored; 660 is after t); y has no history in
	// range (its row at 120 is too old), so its baseline is zero.
	want := []localize.Leaf{
		{Values: []string{"x", "2"}, Before: localize.Counts{Declines: (3 + 5 + 0 + 2) / 4.0, Attempts: (10 + 20 + 10 + 10) / 4.0}, After: localize.Counts{Declines: 9, Attempts: 10}},
		{Values: []string{"y", "1"}, After: localize.Counts{Declines: 1, Attempts: 4}},
		{Values: []string{"z", "1"}, After: localize.Counts{Declines: 0, Attempts: 5}},
	}
	if !reflect.DeepEqual(one.Input.Leaves, want) {
		t.Errorf("leaves\n%+v\nwant\n%+v", one.Input.Leaves, want)
	}
	two := cases[1]
	if want := []string{"a=x", "a=y"}; !reflect.DeepEqual(two.Labels, want) {
		t.Errorf("labels %v, want %v (sorted, de-duplicated)", two.Labels, want)
	}
	// A mean over the history rows that exist: x has one row (t-240).
	if got := two.Input.Leaves[0].Before; got != (localize.Counts{Declines: 1, Attempts: 2}) {
		t.Errorf("x baseline %+v, want the single history row", got)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(dir+"/"+name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, yaml, csv, want string
	}{
		{"no such csv", "- data: c\n  timestamp: 60\n  cause: {'a':1}\n", "", "c.csv"},
		{"no rows at t", "- data: c\n  timestamp: 60\n  cause: {'a':1}\n", "min,a,value,cnt\n120,1,0,1\n", "no rows at minute"},
		{"bad number", "- data: c\n  timestamp: 60\n  cause: {'a':1}\n", "min,a,value,cnt\n60,1,x,1\n", "c.csv:2"},
		{"missing column", "- data: c\n  timestamp: 60\n  cause: {'a':1}\n", "min,a,value\n60,1,0\n", "header lacks"},
		{"repeated leaf", "- data: c\n  timestamp: 60\n  cause: {'a':1}\n", "min,a,value,cnt\n60,1,0,1\n60,1,0,1\n", "repeated"},
		{"scalar cause", "- data: c\n  timestamp: 60\n  cause: 5\n", "min,a,value,cnt\n60,1,0,1\n", "neither a mapping nor a list"},
		{"empty cause", "- data: c\n  timestamp: 60\n  cause: {}\n", "min,a,value,cnt\n60,1,0,1\n", "empty cause"},
	}
	for _, tt := range tests {
		os.Remove(dir + "/c.csv")
		write("anomaly.yaml", tt.yaml)
		if tt.csv != "" {
			write("c.csv", tt.csv)
		}
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestScoreCase(t *testing.T) {
	tests := []struct {
		name         string
		labels, pred []string
		want         Score
	}{
		{"exact", []string{"a=1"}, []string{"a=1"}, Score{1, 0, 0}},
		{"nothing predicted", []string{"a=1", "b=2"}, nil, Score{0, 0, 2}},
		{"ancestor is wrong", []string{"a=1&b=2"}, []string{"a=1"}, Score{0, 1, 1}},
		{"descendant is wrong", []string{"a=1"}, []string{"a=1&b=2"}, Score{0, 1, 1}},
		{"duplicates count once", []string{"a=1"}, []string{"a=1", "a=1", "b=2"}, Score{1, 1, 0}},
		{"half of two", []string{"a=1", "a=2"}, []string{"a=2", "a=3", "a=4"}, Score{1, 2, 1}},
		{"predictions without labels", nil, []string{"a=1"}, Score{0, 1, 0}},
	}
	for _, tt := range tests {
		if got := ScoreCase(tt.labels, tt.pred); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestScoreRatios(t *testing.T) {
	s := Score{TP: 118, FP: 324, FN: 25} // RobustSpot's published row
	if f := s.F1(); math.Abs(f-0.403) > 0.0005 {
		t.Errorf("F1 %.4f, want 0.403", f)
	}
	if (Score{}).F1() != 0 || (Score{}).Precision() != 0 || (Score{}).Recall() != 0 {
		t.Error("empty score must give zeros, not NaN")
	}
}

func TestSummarizeChecksTotals(t *testing.T) {
	c := &Case{Labels: []string{"a=1", "a=2"}}
	if _, err := Summarize([]Result{{Case: c, Score: Score{TP: 1, FN: 1}}}); err != nil {
		t.Errorf("consistent result: %v", err)
	}
	if _, err := Summarize([]Result{{Case: c, Score: Score{TP: 1}}}); err == nil {
		t.Error("TP+FN below the labels passed")
	}
}

// TestLoaderMatchesAppendix checks every RS case against the per-case
// table of the benchmark README: leaves at t, the stall ratio at t and
// the expected ratio, to four decimals.
func TestLoaderMatchesAppendix(t *testing.T) {
	const dir = "../../../../shared/benchmarks/rca"
	f, err := os.Open(dir + "/README.md")
	if err != nil {
		t.Skipf("benchmark README not found: %v", err)
	}
	defer f.Close()
	type row struct {
		leaves        int
		atT, expected float64
		label         string
	}
	want := map[string]row{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) != 10 || !strings.HasPrefix(strings.TrimSpace(cols[1]), "`") {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cols[1]), "`")
		leaves, err1 := strconv.Atoi(strings.TrimSpace(cols[4]))
		atT, err2 := strconv.ParseFloat(strings.TrimSpace(cols[6]), 64)
		exp, err3 := strconv.ParseFloat(strings.TrimSpace(cols[7]), 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue // the file table at the top has other columns
		}
		want[name] = row{leaves, atT, exp, strings.Trim(strings.TrimSpace(cols[8]), "`")}
	}
	if len(want) != 135 {
		t.Fatalf("parsed %d appendix rows, want 135", len(want))
	}
	cases, err := Load(dir + "/RS")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		w, ok := want[c.Name]
		if !ok {
			t.Errorf("%s: not in the appendix", c.Name)
			continue
		}
		var b, a localize.Counts
		for _, l := range c.Input.Leaves {
			b.Declines += l.Before.Declines
			b.Attempts += l.Before.Attempts
			a.Declines += l.After.Declines
			a.Attempts += l.After.Attempts
		}
		if len(c.Input.Leaves) != w.leaves ||
			math.Abs(a.Rate()-w.atT) > 0.00005 || math.Abs(b.Rate()-w.expected) > 0.00005 {
			t.Errorf("%s: %d leaves, %.4f at t, %.4f expected; appendix %d, %.4f, %.4f",
				c.Name, len(c.Input.Leaves), a.Rate(), b.Rate(), w.leaves, w.atT, w.expected)
		}
		// The appendix writes multi-element labels in YAML order.
		labels := strings.Split(w.label, ";")
		for i, l := range labels {
			ps := strings.Split(l, "&")
			pairs := make([]localize.Pair, len(ps))
			for j, p := range ps {
				k, v, _ := strings.Cut(p, "=")
				pairs[j] = localize.Pair{Dim: k, Value: v}
			}
			labels[i] = localize.MakeKey(pairs)
		}
		if got := dedupSorted(labels); !reflect.DeepEqual(got, c.Labels) {
			t.Errorf("%s: labels %v, appendix %v", c.Name, c.Labels, got)
		}
	}
}
