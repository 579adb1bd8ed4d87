// Package spike investigates a jump of the decline rate: it compares a
// window with a baseline, asks package localize which combinations of
// attributes (payment method, terminal model, region, ...) explain the
// change, and adds what an engineer needs next: how many merchants and
// terminals each combination touches, which causes and codes make up its
// extra declines, and in which bucket it started to move. With no window,
// Detect finds the most anomalous bucket first.
//
// The inputs are report.Cube cells: the window's (and, for baselines read
// from raw exports, the baseline's) come from one pipeline run; a
// history baseline comes from the history store.
package spike

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/localize"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// Range is a half-open interval [From, To) of Unix seconds.
type Range struct{ From, To int64 }

func (r Range) contains(t int64) bool { return t >= r.From && t < r.To }

// Format prints the range in loc as FROM..TO (RFC 3339).
func (r Range) Format(loc *time.Location) string {
	return time.Unix(r.From, 0).In(loc).Format(time.RFC3339) + ".." + time.Unix(r.To, 0).In(loc).Format(time.RFC3339)
}

// BaselineKind says where the baseline comes from.
type BaselineKind int

const (
	Prev    BaselineKind = iota // the same-length period just before the window
	DaysAgo                     // the same window Days days earlier
	History                     // the same clock window on each of the last Days days, from the history store
)

// Baseline is a parsed --baseline.
type Baseline struct {
	Kind BaselineKind
	Days int
}

func (b Baseline) String() string {
	switch b.Kind {
	case DaysAgo:
		return strconv.Itoa(b.Days) + "d"
	case History:
		return "history:" + strconv.Itoa(b.Days) + "d"
	}
	return "prev"
}

// ParseBaseline reads prev, Nd or history:Nd.
func ParseBaseline(s string) (Baseline, error) {
	days := func(d string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimSuffix(d, "d"))
		return n, err == nil && strings.HasSuffix(d, "d") && n >= 1 && n <= 366
	}
	switch {
	case s == "" || s == "prev":
		return Baseline{Kind: Prev}, nil
	case strings.HasPrefix(s, "history:"):
		if n, ok := days(strings.TrimPrefix(s, "history:")); ok {
			return Baseline{Kind: History, Days: n}, nil
		}
	default:
		if n, ok := days(s); ok {
			return Baseline{Kind: DaysAgo, Days: n}, nil
		}
	}
	return Baseline{}, &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--baseline %q: expected prev, Nd (e.g. 7d) or history:Nd", s)}
}

// Ranges returns the baseline's periods for window w; days are calendar
// days in loc, so a window keeps its clock time across a zone change.
func (b Baseline) Ranges(w Range, loc *time.Location) []Range {
	shift := func(k int) Range {
		return Range{time.Unix(w.From, 0).In(loc).AddDate(0, 0, -k).Unix(), time.Unix(w.To, 0).In(loc).AddDate(0, 0, -k).Unix()}
	}
	switch b.Kind {
	case DaysAgo:
		return []Range{shift(b.Days)}
	case History:
		out := make([]Range, 0, b.Days)
		for k := b.Days; k >= 1; k-- {
			out = append(out, shift(k))
		}
		return out
	}
	return []Range{{w.From - (w.To - w.From), w.From}}
}

// Options configure Analyze.
type Options struct {
	Window   Range
	Baseline []Range
	// Dims are the localization dimensions; each must be among the cubes'.
	Dims     []record.Field
	Localize localize.Options
}

// CauseCount is a cause's or code's part of a finding's extra declines.
type CauseCount struct {
	Cause    string  `json:"cause,omitempty"`
	Code     string  `json:"code,omitempty"`
	Declines int64   `json:"declines"`          // in the window
	Extra    float64 `json:"extra_declines"`    // over what the before-rate predicts
	Share    float64 `json:"share_of_extra"`    // of the finding's extra declines
	Expected float64 `json:"expected_declines"` // at the before-rate
}

// Finding is a localized combination with its context.
type Finding struct {
	localize.Finding
	Merchants   int          // distinct merchants with a decline in the window
	Terminals   int          // distinct terminals with a decline in the window
	Causes      []CauseCount // causes with extra declines, most first
	Codes       []CauseCount // response codes of the window's declines, most first
	FirstBucket int64        // the bucket where its rate first moved; 0 when unknown
}

// DominantCause is the cause with the most extra declines, or "".
func (f *Finding) DominantCause() string {
	if len(f.Causes) == 0 {
		return ""
	}
	return f.Causes[0].Cause
}

// Result is what Analyze found.
type Result struct {
	Window   Range
	Baseline []Range
	Before   localize.Counts // all attempts and declines of the baseline
	After    localize.Counts // ... and of the window
	// CausesAfter are the window's declines per outcome.
	CausesAfter [record.NumOutcomes]int64
	Findings    []Finding
}

// dimIndex maps each of dims to its index in the cube's dims.
func dimIndex(c *report.Cube, dims []record.Field) ([]int, error) {
	cd := c.Options().Dims
	idx := make([]int, len(dims))
	for i, d := range dims {
		idx[i] = slices.Index(cd, d)
		if idx[i] < 0 {
			return nil, &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("dimension %s is not in the data (%v)", d, cd)}
		}
	}
	return idx, nil
}

type leafAgg struct {
	values        []string
	before, after localize.Counts
	causesBefore  [record.NumOutcomes]float64
	causesAfter   [record.NumOutcomes]int64
	codesAfter    map[string]int64
	merchants     map[string]bool
	terminals     map[string]bool
	buckets       map[int64]*localize.Counts // window and baseline buckets, for FirstBucket
}

func leafKey(vals []string) string { return strings.Join(vals, "\x00") }

// Analyze localizes the change from the baseline to the window. window
// holds the window's cells (and may hold others, which are ignored unless
// they fall in a baseline range and base is nil); base, when not nil,
// holds the baseline's cells (a history store read). Both cubes must have
// every dimension of opts.Dims.
func Analyze(window, base *report.Cube, opts Options) (*Result, error) {
	if base == nil {
		base = window
	}
	wIdx, err := dimIndex(window, opts.Dims)
	if err != nil {
		return nil, err
	}
	bIdx, err := dimIndex(base, opts.Dims)
	if err != nil {
		return nil, err
	}
	merchantIdx := slices.Index(window.Options().Dims, record.MerchantID)

	res := &Result{Window: opts.Window, Baseline: opts.Baseline}
	leaves := map[string]*leafAgg{}
	var order []string
	get := func(cell *report.CubeCell, idx []int) *leafAgg {
		vals := make([]string, len(idx))
		for i, j := range idx {
			vals[i] = cell.Values[j]
		}
		k := leafKey(vals)
		l := leaves[k]
		if l == nil {
			l = &leafAgg{values: vals, codesAfter: map[string]int64{}, merchants: map[string]bool{}, terminals: map[string]bool{}, buckets: map[int64]*localize.Counts{}}
			leaves[k] = l
			order = append(order, k)
		}
		return l
	}
	inBase := func(t int64) bool {
		for _, r := range opts.Baseline {
			if r.contains(t) {
				return true
			}
		}
		return false
	}
	for _, cell := range window.Cells() {
		if !opts.Window.contains(cell.Bucket) {
			continue
		}
		l := get(cell, wIdx)
		l.after.Attempts += float64(cell.Attempts)
		l.after.Declines += float64(cell.Declines)
		for o, v := range cell.Causes {
			l.causesAfter[o] += v
			res.CausesAfter[o] += v
		}
		for code, v := range cell.Codes {
			l.codesAfter[code] += v
		}
		if cell.Declines > 0 {
			if merchantIdx >= 0 {
				l.merchants[cell.Values[merchantIdx]] = true
			}
			for t := range cell.Terminals {
				l.terminals[t] = true
			}
		}
		addBucket(l, cell)
	}
	for _, cell := range base.Cells() {
		if !inBase(cell.Bucket) {
			continue
		}
		l := get(cell, bIdx)
		l.before.Attempts += float64(cell.Attempts)
		l.before.Declines += float64(cell.Declines)
		for o, v := range cell.Causes {
			l.causesBefore[o] += float64(v)
		}
		if base == window && cell.Bucket >= opts.Baseline[len(opts.Baseline)-1].From {
			addBucket(l, cell) // the last baseline period, to see a move that began before the window
		}
	}
	sort.Strings(order)

	names := make([]string, len(opts.Dims))
	for i, d := range opts.Dims {
		names[i] = d.String()
	}
	in := localize.Input{Dims: names}
	for _, k := range order {
		l := leaves[k]
		res.Before.Attempts += l.before.Attempts
		res.Before.Declines += l.before.Declines
		res.After.Attempts += l.after.Attempts
		res.After.Declines += l.after.Declines
		in.Leaves = append(in.Leaves, localize.Leaf{Values: l.values, Before: l.before, After: l.after})
	}
	found, err := localize.Localize(in, opts.Localize)
	if err != nil {
		return nil, err
	}
	for _, f := range found {
		res.Findings = append(res.Findings, enrich(f, opts.Dims, order, leaves, opts.Window.From))
	}
	return res, nil
}

func addBucket(l *leafAgg, cell *report.CubeCell) {
	c := l.buckets[cell.Bucket]
	if c == nil {
		c = &localize.Counts{}
		l.buckets[cell.Bucket] = c
	}
	c.Attempts += float64(cell.Attempts)
	c.Declines += float64(cell.Declines)
}

// enrich adds the finding's merchants, terminals, causes, codes and first
// bucket, summed over the leaves it covers.
func enrich(f localize.Finding, dims []record.Field, order []string, leaves map[string]*leafAgg, windowFrom int64) Finding {
	out := Finding{Finding: f}
	want := make([]string, len(dims)) // "" = any value
	fixed := make([]bool, len(dims))
	for _, p := range f.Combination {
		for i, d := range dims {
			if d.String() == p.Dim {
				want[i], fixed[i] = p.Value, true
			}
		}
	}
	var before localize.Counts
	var causesBefore [record.NumOutcomes]float64
	var causesAfter [record.NumOutcomes]int64
	var afterAttempts float64
	codes := map[string]int64{}
	merchants, terminals := map[string]bool{}, map[string]bool{}
	buckets := map[int64]*localize.Counts{}
	for _, k := range order {
		l := leaves[k]
		match := true
		for i := range dims {
			if fixed[i] && l.values[i] != want[i] {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		before.Attempts += l.before.Attempts
		before.Declines += l.before.Declines
		afterAttempts += l.after.Attempts
		for o := range causesAfter {
			causesAfter[o] += l.causesAfter[o]
			causesBefore[o] += l.causesBefore[o]
		}
		for c, v := range l.codesAfter {
			codes[c] += v
		}
		for m := range l.merchants {
			merchants[m] = true
		}
		for t := range l.terminals {
			terminals[t] = true
		}
		for b, c := range l.buckets {
			if buckets[b] == nil {
				buckets[b] = &localize.Counts{}
			}
			buckets[b].Attempts += c.Attempts
			buckets[b].Declines += c.Declines
		}
	}
	out.Merchants, out.Terminals = len(merchants), len(terminals)

	// A cause's extra declines: its window declines minus what its own
	// before-rate predicts for the window's attempts.
	var totalExtra float64
	for o := record.SystemMaintenance; o < record.NumOutcomes; o++ {
		if causesAfter[o] == 0 {
			continue
		}
		exp := 0.0
		if before.Attempts > 0 {
			exp = afterAttempts * causesBefore[o] / before.Attempts
		}
		extra := float64(causesAfter[o]) - exp
		if extra <= 0 {
			continue
		}
		totalExtra += extra
		out.Causes = append(out.Causes, CauseCount{Cause: o.String(), Declines: causesAfter[o], Extra: round2(extra), Expected: round2(exp)})
	}
	for i := range out.Causes {
		if totalExtra > 0 {
			out.Causes[i].Share = round4(out.Causes[i].Extra / totalExtra)
		}
	}
	sort.SliceStable(out.Causes, func(i, j int) bool {
		if out.Causes[i].Extra != out.Causes[j].Extra {
			return out.Causes[i].Extra > out.Causes[j].Extra
		}
		return out.Causes[i].Cause < out.Causes[j].Cause
	})
	for c, v := range codes {
		out.Codes = append(out.Codes, CauseCount{Code: c, Declines: v})
	}
	sort.Slice(out.Codes, func(i, j int) bool {
		if out.Codes[i].Declines != out.Codes[j].Declines {
			return out.Codes[i].Declines > out.Codes[j].Declines
		}
		return out.Codes[i].Code < out.Codes[j].Code
	})
	if len(out.Codes) > 5 {
		out.Codes = out.Codes[:5]
	}
	out.FirstBucket = firstMove(buckets, before.Rate(), f.After.Declines > f.After.Attempts*before.Rate(), windowFrom)
	return out
}

// firstMove finds where a combination's rate started to move: the first
// bucket of the window whose rate differs from the before-rate by z >= 2
// in the direction of the change, extended back over the consecutive
// buckets before it that moved too, so a jump that began shortly before
// the window shows its true start. 0 when no bucket of the window moved.
func firstMove(buckets map[int64]*localize.Counts, p0 float64, up bool, windowFrom int64) int64 {
	keys := make([]int64, 0, len(buckets))
	for b := range buckets {
		keys = append(keys, b)
	}
	slices.Sort(keys)
	moved := func(c *localize.Counts) bool {
		if c.Attempts <= 0 {
			return false
		}
		p := math.Min(math.Max(p0, 0.5/c.Attempts), 1-0.5/c.Attempts)
		z := (c.Declines - c.Attempts*p) / math.Sqrt(c.Attempts*p*(1-p))
		if !up {
			z = -z
		}
		return z >= 2
	}
	i := slices.IndexFunc(keys, func(b int64) bool { return b >= windowFrom && moved(buckets[b]) })
	if i < 0 {
		return 0
	}
	for i > 0 && moved(buckets[keys[i-1]]) {
		i--
	}
	return keys[i]
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round4(v float64) float64 { return math.Round(v*10000) / 10000 }
