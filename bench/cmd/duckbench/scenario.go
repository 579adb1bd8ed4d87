package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/samplegen"
)

// scenarioSpec says what one scenario reads and runs.
type scenarioSpec struct {
	name   string
	format string // samplegen format of the input
	header string // samplegen header variant
	suffix string // of the input's file name; equal suffixes share one file
	limit  string // "cat" or "zcat": the machine's limit for reading the input
	duck   bool   // DuckDB runs too (it cannot read GBK without a downloadable extension)
	rules  bool   // analyze also runs with its default rules
	// scaling runs analyze with 1 worker against -threads workers instead
	// of the usual analyze run.
	scaling bool
}

// scenarios in the order they run: gbk and scaling are read against the
// csv scenario, so csv comes first.
var scenarios = []scenarioSpec{
	{name: "csv", format: samplegen.FormatCSV, suffix: ".csv", limit: "cat", duck: true, rules: true},
	{name: "parquet", format: samplegen.FormatParquet, suffix: ".parquet", limit: "cat", duck: true, rules: true},
	{name: "gbk", format: samplegen.FormatCSVGBK, header: samplegen.HeaderChinese, suffix: "-zh-gbk.csv", limit: "cat"},
	{name: "gzip", format: samplegen.FormatCSVGzip, suffix: ".csv.gz", limit: "zcat", duck: true},
	{name: "scaling", format: samplegen.FormatCSV, suffix: ".csv", limit: "cat", scaling: true},
}

func scenarioNames() string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return strings.Join(names, ",")
}

// parseScenarios reads the -scenarios list. The result follows the order
// of scenarios whatever the order given, so that csv runs before the
// scenarios that are compared with it; a name given twice runs once.
func parseScenarios(list string) ([]scenarioSpec, error) {
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.ContainsFunc(scenarios, func(s scenarioSpec) bool { return s.name == name }) {
			return nil, fmt.Errorf("scenario %q: expected one of %s", name, scenarioNames())
		}
		want[name] = true
	}
	var out []scenarioSpec
	for _, s := range scenarios {
		if want[s.name] {
			out = append(out, s)
		}
	}
	return out, nil
}

// ratio formats a/b as "1.23x", or says why it cannot.
func ratio(a, b time.Duration) string {
	if a <= 0 || b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a.Seconds()/b.Seconds())
}

// versus is the line comparing tool x with tool y of a scenario: the wall
// and CPU time ratios x/y, and the goal when there is one. missing names
// what is not there when y did not run.
func versus(label string, x, y *toolResult, goal, missing string) string {
	if y == nil || len(y.ok()) == 0 {
		return label + ": " + missing
	}
	if len(x.ok()) == 0 {
		return label + ": not run"
	}
	s := fmt.Sprintf("%s: wall %s, cpu %s", label, ratio(x.median(), y.median()), ratio(x.medianCPU(), y.medianCPU()))
	if goal != "" {
		s += " (goal " + goal + ")"
	}
	return s
}
