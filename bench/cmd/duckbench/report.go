package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

func seconds(d time.Duration) float64 { return d.Seconds() }

func rate(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

// toolLine is one tool's summary row.
func toolLine(name string, t *toolResult, r scenarioResult) []string {
	ok := t.ok()
	if len(ok) == 0 {
		msg := "not run"
		if err := t.firstErr(); err != nil {
			msg = "failed: " + err.Error()
		}
		return []string{name, msg, "", "", "", "", ""}
	}
	med := t.median()
	return []string{
		name,
		fmt.Sprintf("%.2f s", seconds(med)),
		fmt.Sprintf("%.2f s", seconds(t.medianCPU())),
		fmt.Sprintf("%.0f", rate(float64(r.rows), med)),
		fmt.Sprintf("%.0f", rate(float64(r.plain)/1e6, med)),
		mib(t.peakRSS()),
		fmt.Sprintf("%d/%d", len(ok), len(t.runs)),
	}
}

func duckQueryMedian(t *toolResult) time.Duration {
	var ds []time.Duration
	for _, m := range t.ok() {
		if m.duck != nil {
			ds = append(ds, time.Duration(m.duck.QueryMS*float64(time.Millisecond)))
		}
	}
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// toolLines are the summary rows of the tools the scenario runs.
func toolLines(c config, r scenarioResult) [][]string {
	if r.spec.scaling {
		return [][]string{toolLine("analyze -w 1", &r.single, r), toolLine(fmt.Sprintf("analyze -w %d", c.threads), &r.analyze, r)}
	}
	out := [][]string{toolLine("analyze", &r.analyze, r)}
	if r.spec.duck {
		out = append(out, toolLine("duckdb", &r.duck, r))
	}
	if r.spec.rules {
		out = append(out, toolLine("analyze+rules", &r.rules, r))
	}
	return out
}

// sizeText is the input's size, and for a compressed input the size of
// the CSV inside, which the MB/s figures are of.
func sizeText(r scenarioResult) string {
	s := fmt.Sprintf("%.1f MB", float64(r.size)/1e6)
	if r.plain != r.size {
		s += fmt.Sprintf(", %.1f MB uncompressed", float64(r.plain)/1e6)
	}
	return s
}

// limitText is the limit's time and rate, e.g. "0.128 s (7789 MB/s)".
func limitText(r scenarioResult, format string) string {
	s := fmt.Sprintf(format, seconds(r.limit), rate(float64(r.plain)/1e6, r.limit))
	if r.plain != r.size {
		s += " of uncompressed CSV"
	}
	return s
}

// ratioLines compare the scenario's tools with each other, with the
// machine's limit or with another scenario, as each scenario asks.
func ratioLines(c config, r scenarioResult) []string {
	var out []string
	if a, d := r.analyze.median(), r.duck.median(); a > 0 && d > 0 {
		out = append(out, fmt.Sprintf("analyze/duckdb: wall %.2fx, cpu %.2fx, peak RSS %.2fx", seconds(a)/seconds(d),
			seconds(r.analyze.medianCPU())/seconds(r.duck.medianCPU()), float64(r.analyze.peakRSS())/float64(r.duck.peakRSS())))
	}
	if a, x := r.analyze.median(), r.rules.median(); a > 0 && x > 0 {
		out = append(out, fmt.Sprintf("default rules / code table alone: wall %.2fx, cpu %.2fx", seconds(x)/seconds(a), seconds(r.rules.medianCPU())/seconds(r.analyze.medianCPU())))
	}
	switch r.spec.name {
	case "gbk":
		out = append(out, versus("analyze gbk/csv", &r.analyze, r.csv, "≤ 1.20x", "csv not run"))
	case "gzip":
		if a := r.analyze.median(); a > 0 {
			out = append(out, fmt.Sprintf("analyze/zcat: wall %s (analyze %.0f MB/s, zcat %.0f MB/s of uncompressed CSV)",
				ratio(a, r.limit), rate(float64(r.plain)/1e6, a), rate(float64(r.plain)/1e6, r.limit)))
		}
	case "scaling":
		out = append(out, versus(fmt.Sprintf("analyze -w %d / -w 1", c.threads), &r.analyze, &r.single, "≤ 0.60x", "-w 1 not run"))
	}
	return out
}

func printScenario(w io.Writer, c config, r scenarioResult) {
	fmt.Fprintf(w, "\n== %s: %s (%s, %d rows)\n", r.name, r.file, sizeText(r), r.rows)
	fmt.Fprintf(w, "%s FILE > /dev/null (page cache): %s; load average before %s, after %s\n",
		r.spec.limit, limitText(r, "%.3f s, %.0f MB/s"), r.loadBefore, r.loadAfter)
	fmt.Fprintf(w, "%-13s %10s %10s %12s %8s %10s %6s\n", "tool", "median", "cpu", "rows/s", "MB/s", "peak RSS", "ok")
	for _, l := range toolLines(c, r) {
		fmt.Fprintf(w, "%-13s %10s %10s %12s %8s %10s %6s\n", l[0], l[1], l[2], l[3], l[4], l[5], l[6])
	}
	if q := duckQueryMedian(&r.duck); q > 0 {
		fmt.Fprintf(w, "duckdb query alone (inside the process, median): %.2f s\n", seconds(q))
	}
	for _, s := range append(ratioLines(c, r), compareLines(r)...) {
		fmt.Fprintln(w, s)
	}
}

func compareLines(r scenarioResult) []string {
	if r.cmpErr != nil {
		return []string{"comparison failed: " + r.cmpErr.Error()}
	}
	var out []string
	for _, c := range r.cmp {
		verdict := "agree"
		if !c.agree() {
			verdict = "DIFFER"
		}
		out = append(out, fmt.Sprintf("%s: %s — keys analyze %d, duckdb %d; same %d, different counts %d, only in analyze %d, only in duckdb %d; declines analyze %d, duckdb %d",
			c.table, verdict, c.keysAnalyze, c.keysDuck, c.same, c.differ, c.onlyAnalyze, c.onlyDuck, c.declinesAnalyze, c.declDuck))
		for _, e := range c.examples {
			out = append(out, "    "+e)
		}
	}
	return out
}

// writeRecord writes results/YYYY-MM-DD.md (a later run the same day
// replaces it).
func writeRecord(c config, rs []scenarioResult) (string, error) {
	if err := os.MkdirAll("results", 0o755); err != nil {
		return "", err
	}
	now := time.Now()
	path := filepath.Join("results", now.Format("2006-01-02")+".md")
	var b strings.Builder
	fmt.Fprintf(&b, "# analyze vs DuckDB, %s\n\n", now.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- machine: %s, %d CPUs, %s/%s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "- Go %s; DuckDB %s; %s\n", runtime.Version(), duckVersion(rs), analyzeVersion(c))
	fmt.Fprintf(&b, "- input: pkg/samplegen, %d rows, seed %d, %d merchants; %d runs per tool, alternating; %d threads each (analyze --workers, DuckDB SET threads)\n",
		c.rows, c.seed, c.merchants, c.runs, c.threads)
	fmt.Fprintf(&b, "- DuckDB plan %q, dedup %q\n", c.plan, c.dedup)
	fmt.Fprintf(&b, "- command: `go run ./cmd/duckbench %s`\n\n", strings.Join(os.Args[1:], " "))
	for _, r := range rs {
		fmt.Fprintf(&b, "## %s (%s)\n\n", r.name, sizeText(r))
		fmt.Fprintf(&b, "`%s FILE > /dev/null` from page cache: %s. 1-minute load average before the runs %s, after %s.\n\n",
			r.spec.limit, limitText(r, "%.3f s (%.0f MB/s)"), r.loadBefore, r.loadAfter)
		b.WriteString("| tool | median wall | median cpu (user+sys) | rows/s | MB/s | peak RSS | ok runs |\n|---|---|---|---|---|---|---|\n")
		for _, l := range toolLines(c, r) {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(l, " | "))
		}
		for _, l := range ratioLines(c, r) {
			b.WriteString("\n" + l + "\n")
		}
		if lines := compareLines(r); len(lines) > 0 {
			b.WriteString("\n```\n" + strings.Join(lines, "\n") + "\n```\n")
		}
		b.WriteString("\n")
	}
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// loadAvg is the 1-minute load average: other work on the machine shows
// in the wall times.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(data))[0]
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func duckVersion(rs []scenarioResult) string {
	for _, r := range rs {
		for _, m := range r.duck.ok() {
			if m.duck != nil {
				return m.duck.Version
			}
		}
	}
	return "?"
}

func analyzeVersion(c config) string {
	if c.duckOnly {
		return "(not run)"
	}
	v := "analyze ?"
	if out, err := exec.Command(c.analyze, "version").Output(); err == nil {
		v = strings.TrimSpace(string(out))
	}
	if st, err := os.Stat(c.analyze); err == nil {
		v += fmt.Sprintf(" (binary %s, built %s)", c.analyze, st.ModTime().UTC().Format("2006-01-02 15:04 MST"))
	}
	return v
}
