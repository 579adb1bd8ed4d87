package alert

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		spike bool
		want  Rule
		bad   string
	}{
		{expr: "decline_rate>0.15", want: Rule{Metric: DeclineRate, Op: ">", Threshold: 0.15}},
		{expr: " declines >= 500 ", want: Rule{Metric: Declines, Op: ">=", Threshold: 500}},
		{expr: "cause:network.declines>500", want: Rule{Cause: "network", Metric: Declines, Op: ">", Threshold: 500}},
		{expr: "attempts<100", want: Rule{Metric: Attempts, Op: "<", Threshold: 100}},
		{expr: "cause:terminal_incompatible.explained_share>=0.5", spike: true, want: Rule{Cause: "terminal_incompatible", Metric: ExplainedShare, Op: ">=", Threshold: 0.5}},
		{expr: "explained_share>0.5", bad: "only for analyze spike"},
		{expr: "cause:approved.declines>1", bad: "unknown cause"},
		{expr: "cause:nope.declines>1", bad: "unknown cause"},
		{expr: "cause:network>1", bad: "cause:ID.METRIC"},
		{expr: "cause:network.attempts>1", bad: "not counted per cause"},
		{expr: "rate>1", bad: "unknown metric"},
		{expr: "declines=1", bad: "expected METRIC OP NUMBER"},
		{expr: "declines>abc", bad: "not a number"},
		{expr: "declines>NaN", bad: "not a number"},
		{expr: "declines>", bad: "not a number"},
	} {
		got, err := Parse(tc.expr, tc.spike)
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) || !strings.Contains(err.Error(), tc.expr) {
				t.Errorf("%q: error %v, want one naming the expression and %q", tc.expr, err, tc.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.expr, err)
			continue
		}
		tc.want.Expr = tc.expr
		if got != tc.want {
			t.Errorf("%q: got %+v, want %+v", tc.expr, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	m := Metrics{Attempts: 1000, Declines: 200, CauseDeclines: map[string]int64{"network": 150, "security": 50}}
	rules, err := ParseAll([]string{
		"decline_rate>0.15",          // 0.2: fires
		"decline_rate>0.2",           // equal: does not
		"decline_rate>=0.2",          // fires
		"cause:network.declines>100", // fires
		"cause:security.decline_rate<0.01",
		"cause:risk_control.declines<1", // 0 declines of that cause: fires
		"attempts<=1000",                // fires
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range Check(rules, m) {
		got = append(got, f.Expression+"@"+f.Scope)
	}
	want := "decline_rate>0.15@all decline_rate>=0.2@all cause:network.declines>100@cause:network cause:risk_control.declines<1@cause:risk_control attempts<=1000@all"
	if strings.Join(got, " ") != want {
		t.Errorf("fired %v\nwant %s", got, want)
	}
	// No attempts: a rate is undefined and never fires.
	if f := Check(rules[:1], Metrics{}); len(f) != 0 {
		t.Errorf("fired on no attempts: %v", f)
	}
	// explained_share needs findings.
	sr, _ := ParseAll([]string{"explained_share>0.5", "cause:network.explained_share>0.5"}, true)
	if f := Check(sr, Metrics{}); len(f) != 0 {
		t.Errorf("fired without findings: %v", f)
	}
	if f := Check(sr, Metrics{HasExplained: true, ExplainedShare: 0.7, CauseExplained: map[string]float64{"network": 0.6}}); len(f) != 2 {
		t.Errorf("want both to fire: %v", f)
	}
}

// FuzzParse: any expression parses into a rule that prints back the same
// expression and evaluates without a panic, or gives an error naming it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"decline_rate>0.15", "cause:network.declines>=500", "attempts<10", "explained_share<=0.5", "cause:.x>", ">1", "declines>1e308"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, expr string, spike bool) {
		r, err := Parse(expr, spike)
		if err != nil {
			if !strings.Contains(err.Error(), "--alert") {
				t.Fatalf("error without the flag: %v", err)
			}
			return
		}
		if r.Expr != expr || r.Metric == "" || r.Op == "" {
			t.Fatalf("rule %+v from %q", r, expr)
		}
		Check([]Rule{r}, Metrics{Attempts: 10, Declines: 3, CauseDeclines: map[string]int64{"network": 1}})
	})
}
