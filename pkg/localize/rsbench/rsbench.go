// Package rsbench loads the RS root-cause benchmark (the RobustSpot
// authors' stall-ratio data, as laid out in ../shared/benchmarks/rca/RS)
// into localize inputs and scores predictions the way riskloc does.
//
// The instance of a case follows riskloc's RS loader (see the benchmark
// README): the anomalous minute t is the label's timestamp; only leaves with
// a row at t take part; a leaf's baseline is the arithmetic mean of its rows
// that exist at t−60, t−120, t−180 and t−240 (zero if it has none). The
// numerator is kept in stall orientation (value = stalling viewers), which is
// the same orientation as declines over attempts.
//
// Scoring is riskloc's: per case, TP is the number of label elements equal
// (as canonical strings) to a predicted element, FP the distinct predicted
// elements that are not labels, FN the label elements not predicted; the
// counts are summed over all cases and F1 = 2TP/(2TP+FP+FN).
package rsbench

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/localize"
	"go.yaml.in/yaml/v3"
)

// HistoryMinutes is how many minutes before t form the baseline
// (RobustSpot's predict_periods).
const HistoryMinutes = 4

// LabelElements is the number of label elements in the whole RS set; any
// correct scorer has TP+FN equal to it.
const LabelElements = 143

// Case is one labelled instance.
type Case struct {
	Name      string   // the CSV file stem
	Timestamp int64    // the anomalous minute, Unix seconds
	Labels    []string // canonical label elements, de-duplicated, sorted
	Input     localize.Input
}

type labelEntry struct {
	Data      string    `yaml:"data"`
	Timestamp int64     `yaml:"timestamp"`
	Cause     yaml.Node `yaml:"cause"`
}

// Load reads anomaly.yaml and every case's CSV from dir, in the order of
// anomaly.yaml.
func Load(dir string) ([]Case, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "anomaly.yaml"))
	if err != nil {
		return nil, err
	}
	var entries []labelEntry
	if err := yaml.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("anomaly.yaml: %w", err)
	}
	if len(entries) == 0 {
		return nil, errors.New("anomaly.yaml: no entries")
	}
	cases := make([]Case, 0, len(entries))
	for i, e := range entries {
		labels, err := parseCause(&e.Cause)
		if err != nil {
			return nil, fmt.Errorf("anomaly.yaml: entry %d (%s): %w", i+1, e.Data, err)
		}
		c := Case{Name: e.Data, Timestamp: e.Timestamp, Labels: labels}
		path := filepath.Join(dir, e.Data+".csv")
		if c.Input, err = loadCSV(path, e.Timestamp); err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// parseCause turns a label's cause (one mapping or a list of mappings) into
// canonical element strings.
func parseCause(n *yaml.Node) ([]string, error) {
	var maps []map[string]any
	switch n.Kind {
	case yaml.MappingNode:
		var m map[string]any
		if err := n.Decode(&m); err != nil {
			return nil, err
		}
		maps = append(maps, m)
	case yaml.SequenceNode:
		if err := n.Decode(&maps); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("cause is neither a mapping nor a list (line %d)", n.Line)
	}
	var out []string
	for _, m := range maps {
		if len(m) == 0 {
			return nil, errors.New("empty cause element")
		}
		pairs := make([]localize.Pair, 0, len(m))
		for k, v := range m {
			pairs = append(pairs, localize.Pair{Dim: k, Value: fmt.Sprint(v)})
		}
		out = append(out, localize.MakeKey(pairs))
	}
	return dedupSorted(out), nil
}

func dedupSorted(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

type hist struct {
	sumV, sumC float64
	n          int
}

// loadCSV builds the instance of one case at minute t.
func loadCSV(path string, t int64) (localize.Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return localize.Input{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return localize.Input{}, fmt.Errorf("%s: header: %w", path, err)
	}
	colMin, colV, colC := -1, -1, -1
	var attrCols []int
	var dims []string
	for i, h := range header {
		switch h {
		case "min":
			colMin = i
		case "value":
			colV = i
		case "cnt":
			colC = i
		default:
			attrCols = append(attrCols, i)
			dims = append(dims, h)
		}
	}
	if colMin < 0 || colV < 0 || colC < 0 || len(dims) == 0 {
		return localize.Input{}, fmt.Errorf("%s: header lacks min, value, cnt or attributes", path)
	}
	now := map[string]*localize.Leaf{}
	var order []string
	past := map[string]*hist{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return localize.Input{}, fmt.Errorf("%s: %w", path, err)
		}
		m, err1 := strconv.ParseInt(rec[colMin], 10, 64)
		v, err2 := strconv.ParseFloat(rec[colV], 64)
		c, err3 := strconv.ParseFloat(rec[colC], 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return localize.Input{}, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		inHistory := m < t && m >= t-60*HistoryMinutes && (t-m)%60 == 0
		if m != t && !inHistory {
			continue
		}
		vals := make([]string, len(attrCols))
		for j, col := range attrCols {
			vals[j] = rec[col]
		}
		key := strings.Join(vals, "\x00")
		if m == t {
			if _, dup := now[key]; dup {
				return localize.Input{}, fmt.Errorf("%s:%d: leaf repeated at minute %d", path, line, t)
			}
			now[key] = &localize.Leaf{Values: vals, After: localize.Counts{Declines: v, Attempts: c}}
			order = append(order, key)
			continue
		}
		h := past[key]
		if h == nil {
			h = &hist{}
			past[key] = h
		}
		h.sumV += v
		h.sumC += c
		h.n++
	}
	if len(order) == 0 {
		return localize.Input{}, fmt.Errorf("%s: no rows at minute %d", path, t)
	}
	in := localize.Input{Dims: dims, Leaves: make([]localize.Leaf, 0, len(order))}
	for _, key := range order {
		l := now[key]
		if h := past[key]; h != nil {
			l.Before = localize.Counts{Declines: h.sumV / float64(h.n), Attempts: h.sumC / float64(h.n)}
		}
		in.Leaves = append(in.Leaves, *l)
	}
	return in, nil
}

// Score holds summed confusion counts.
type Score struct{ TP, FP, FN int }

// Add accumulates o into s.
func (s *Score) Add(o Score) { s.TP += o.TP; s.FP += o.FP; s.FN += o.FN }

// Precision is TP/(TP+FP), 0 when nothing was predicted.
func (s Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is TP/(TP+FN).
func (s Score) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// F1 is the micro F1, 2TP/(2TP+FP+FN).
func (s Score) F1() float64 { return ratio(2*s.TP, 2*s.TP+s.FP+s.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// ScoreCase compares canonical label elements with predicted element keys
// (already canonical, as localize.Finding.Key is).
func ScoreCase(labels, predicted []string) Score {
	pred := dedupSorted(append([]string(nil), predicted...))
	set := make(map[string]bool, len(pred))
	for _, p := range pred {
		set[p] = true
	}
	var s Score
	for _, l := range labels {
		if set[l] {
			s.TP++
		}
	}
	s.FN = len(labels) - s.TP
	s.FP = max(len(pred)-s.TP, 0)
	return s
}

// Result is the outcome of one case.
type Result struct {
	Case      *Case
	Predicted []string // keys of the root-cause findings, best first
	Score     Score
	Elapsed   time.Duration
}

// Run localizes every case with opts and scores the root-cause findings.
func Run(cases []Case, opts localize.Options) ([]Result, error) {
	results := make([]Result, len(cases))
	for i := range cases {
		c := &cases[i]
		start := time.Now()
		findings, err := localize.Localize(c.Input, opts)
		elapsed := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		var pred []string
		for _, f := range findings {
			if f.RootCause {
				pred = append(pred, f.Key)
			}
		}
		results[i] = Result{Case: c, Predicted: pred, Score: ScoreCase(c.Labels, pred), Elapsed: elapsed}
	}
	return results, nil
}

// Summary is what a benchmark run reports.
type Summary struct {
	Cases         int
	LabelElements int
	Score
	MedianTime, MaxTime time.Duration
}

// Summarize adds up per-case results. It fails when TP+FN differs from
// the number of label elements, which would mean a scoring bug.
func Summarize(results []Result) (Summary, error) {
	var s Summary
	times := make([]time.Duration, 0, len(results))
	for _, r := range results {
		s.Cases++
		s.LabelElements += len(r.Case.Labels)
		s.Score.Add(r.Score)
		times = append(times, r.Elapsed)
	}
	if s.TP+s.FN != s.LabelElements {
		return s, fmt.Errorf("TP+FN = %d, want %d label elements", s.TP+s.FN, s.LabelElements)
	}
	if len(times) > 0 {
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		s.MedianTime = times[len(times)/2]
		s.MaxTime = times[len(times)-1]
	}
	return s, nil
}
