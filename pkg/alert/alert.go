// Package alert parses and evaluates --alert expressions:
//
//	[cause:ID.]METRIC OP NUMBER
//
// METRIC is decline_rate, declines, attempts or explained_share; OP is
// one of > >= < <=. Without a cause the metric is the run's (or the spike
// window's) overall one; with cause:ID, declines and decline_rate count
// only that cause's declines (attempts stay all attempts, as a cause's
// rate is its share of the decline rate). explained_share exists only
// for spike investigations.
package alert

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Metric names.
const (
	DeclineRate    = "decline_rate"
	Declines       = "declines"
	Attempts       = "attempts"
	ExplainedShare = "explained_share"
)

// Rule is one parsed expression.
type Rule struct {
	Expr      string // as given
	Cause     string // "" for the overall metric
	Metric    string
	Op        string
	Threshold float64
}

// Scope returns "all" or "cause:ID".
func (r Rule) Scope() string {
	if r.Cause == "" {
		return "all"
	}
	return "cause:" + r.Cause
}

// Parse reads one expression. spike says whether explained_share is allowed.
func Parse(expr string, spike bool) (Rule, error) {
	r := Rule{Expr: expr}
	fail := func(format string, args ...any) (Rule, error) {
		return Rule{}, &record.Error{Kind: record.KindUsage, Err: fmt.Errorf("--alert %q: "+format, append([]any{expr}, args...)...)}
	}
	s := strings.TrimSpace(expr)
	if rest, ok := strings.CutPrefix(s, "cause:"); ok {
		id, metric, ok := strings.Cut(rest, ".")
		if !ok {
			return fail("expected cause:ID.METRIC")
		}
		if o, ok := record.OutcomeByID(id); !ok || !o.IsDecline() {
			return fail("unknown cause %q", id)
		}
		r.Cause, s = id, metric
	}
	i := strings.IndexAny(s, "<>")
	if i < 0 {
		return fail("expected METRIC OP NUMBER, e.g. decline_rate>0.15")
	}
	r.Metric = strings.TrimSpace(s[:i])
	r.Op = s[i : i+1]
	num := s[i+1:]
	if strings.HasPrefix(num, "=") {
		r.Op += "="
		num = num[1:]
	}
	switch r.Metric {
	case DeclineRate, Declines, Attempts:
	case ExplainedShare:
		if !spike {
			return fail("explained_share exists only for analyze spike")
		}
	default:
		return fail("unknown metric %q: expected decline_rate, declines, attempts or explained_share", r.Metric)
	}
	if r.Metric == Attempts && r.Cause != "" {
		return fail("attempts are not counted per cause")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fail("%q is not a number", strings.TrimSpace(num))
	}
	r.Threshold = v
	return r, nil
}

// ParseAll parses every expression.
func ParseAll(exprs []string, spike bool) ([]Rule, error) {
	var out []Rule
	for _, e := range exprs {
		r, err := Parse(e, spike)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Metrics are the values alerts are checked against.
type Metrics struct {
	Attempts       int64
	Declines       int64
	CauseDeclines  map[string]int64
	ExplainedShare float64            // overall: the best root-cause finding's share
	CauseExplained map[string]float64 // per dominant cause of root-cause findings
	HasExplained   bool
}

// Fired is an alert that fired.
type Fired struct {
	Expression string  `json:"expression"`
	Scope      string  `json:"scope"`
	Metric     string  `json:"metric"`
	Op         string  `json:"op"`
	Value      float64 `json:"value"`
	Threshold  float64 `json:"threshold"`
}

// Value returns the rule's metric from m, and false when it is undefined
// (a decline rate without attempts).
func (r Rule) Value(m Metrics) (float64, bool) {
	declines := m.Declines
	if r.Cause != "" {
		declines = m.CauseDeclines[r.Cause]
	}
	switch r.Metric {
	case Attempts:
		return float64(m.Attempts), true
	case Declines:
		return float64(declines), true
	case DeclineRate:
		if m.Attempts == 0 {
			return 0, false
		}
		return float64(declines) / float64(m.Attempts), true
	case ExplainedShare:
		if r.Cause != "" {
			v, ok := m.CauseExplained[r.Cause]
			return v, ok
		}
		return m.ExplainedShare, m.HasExplained
	}
	return 0, false
}

// Check returns the rules that fire on m, in the order given.
func Check(rules []Rule, m Metrics) []Fired {
	out := []Fired{}
	for _, r := range rules {
		v, ok := r.Value(m)
		if !ok {
			continue
		}
		var fire bool
		switch r.Op {
		case ">":
			fire = v > r.Threshold
		case ">=":
			fire = v >= r.Threshold
		case "<":
			fire = v < r.Threshold
		case "<=":
			fire = v <= r.Threshold
		}
		if fire {
			out = append(out, Fired{Expression: r.Expr, Scope: r.Scope(), Metric: r.Metric, Op: r.Op, Value: v, Threshold: r.Threshold})
		}
	}
	return out
}
