// Command duckbench compares analyze with DuckDB on the same generated
// export: wall time, throughput and peak RSS of each, run alternately in
// subprocesses, and whether their per-merchant × cause and per-model ×
// cause decline counts agree. Besides UTF-8 CSV and Parquet, it times
// analyze on GBK CSV (against its UTF-8 CSV time), on gzipped CSV (against
// zcat, and DuckDB) and with 1 worker against -threads workers.
//
//	cd bench && go run ./cmd/duckbench                 # 5M rows, all scenarios, 3 runs each
//	go run ./cmd/duckbench -rows 200000 -runs 1 -duck-only
//	go run ./cmd/duckbench -record                     # also write results/YYYY-MM-DD.md
//
// DuckDB runs in a re-executed copy of this program (hidden subcommand
// __duck) so that its peak RSS is its own; analyze runs as
// `analyze run --workers N -o OUTDIR FILE`. Both get the same number of
// threads (-threads, default 2).
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/samplegen"
)

type config struct {
	rows, runs, threads, merchants int
	seed                           uint64
	analyze, work, codes           string
	scenarios                      []scenarioSpec
	record, duckOnly               bool
	plan                           string
	dedup                          string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == duckChildCmd {
		if err := duckChild(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "duckbench "+duckChildCmd+":", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("duckbench", flag.ContinueOnError)
	var c config
	fs.IntVar(&c.rows, "rows", 5_000_000, "rows to generate")
	fs.IntVar(&c.runs, "runs", 3, "runs per tool and scenario (alternating)")
	fs.IntVar(&c.threads, "threads", 2, "analyze --workers and DuckDB threads")
	fs.IntVar(&c.merchants, "merchants", 2000, "merchants in the generated universe")
	fs.Uint64Var(&c.seed, "seed", 1, "generator seed")
	fs.StringVar(&c.analyze, "analyze", "../analyze", "analyze binary (make build)")
	fs.StringVar(&c.work, "work", "work", "directory for generated inputs and outputs")
	fs.StringVar(&c.codes, "codes", "", "code table CSV loaded into DuckDB and given to analyze (default: exported with analyze rules codes into the work directory)")
	scen := fs.String("scenarios", scenarioNames(), "comma-separated, run in this order whatever the order given: "+scenarioNames())
	fs.BoolVar(&c.record, "record", false, "also write results/YYYY-MM-DD.md")
	fs.BoolVar(&c.duckOnly, "duck-only", false, "run only the DuckDB side")
	fs.StringVar(&c.plan, "plan", "pregroup", "DuckDB plan: pregroup (group, then join causes) or naive (join every row)")
	fs.StringVar(&c.dedup, "dedup", dedupDistinct, "how DuckDB counts a repeated txn_id: distinct (count(DISTINCT txn_id)), group (GROUP BY txn_id first) or none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if c.scenarios, err = parseScenarios(*scen); err != nil {
		return err
	}
	if c.runs < 1 || c.rows < 1 {
		return errors.New("-runs and -rows must be positive")
	}
	if err := os.MkdirAll(c.work, 0o755); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if !c.duckOnly {
		if _, err := os.Stat(c.analyze); err != nil {
			fmt.Printf("analyze binary %s not found (%v): running the DuckDB side only\n", c.analyze, err)
			c.duckOnly = true
		}
	}

	if c.codes == "" {
		if c.codes, err = exportCodes(c.work); err != nil {
			return err
		}
	}
	var results []scenarioResult
	for _, s := range c.scenarios {
		if c.duckOnly && !s.duck {
			fmt.Printf("\n== %s: skipped, DuckDB does not run in it (-duck-only)\n", s.name)
			continue
		}
		file, err := ensureInput(c, s)
		if err != nil {
			return err
		}
		r, err := runScenario(c, self, s, file)
		if err != nil {
			return err
		}
		if s.name == "gbk" {
			r.csv = analyzeOf(results, "csv")
		}
		printScenario(os.Stdout, c, r)
		results = append(results, r)
	}
	if c.record {
		path, err := writeRecord(c, results)
		if err != nil {
			return err
		}
		fmt.Println("recorded in", path)
	}
	return nil
}

// analyzeOf is a copy of the analyze runs of scenario name, or nil when it
// did not run.
func analyzeOf(rs []scenarioResult, name string) *toolResult {
	for _, r := range rs {
		if r.name == name {
			t := r.analyze
			return &t
		}
	}
	return nil
}

// exportCodes writes analyze's active code table (what analyze rules codes
// prints) to dir/codes.csv: DuckDB joins on it, and analyze classifies by
// it alone for the like-for-like comparison.
func exportCodes(dir string) (string, error) {
	cl, err := classify.New(classify.Options{})
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "codes.csv")
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"namespace", "code", "cause"})
	for _, r := range cl.CodeTable() {
		w.Write([]string{r.Namespace.String(), r.Code, r.Outcome.String()})
	}
	w.Flush()
	return path, os.WriteFile(path, []byte(b.String()), 0o644)
}

// ensureInput generates the scenario's input unless a file with the same
// options and size is already there (a marker file records both).
// Scenarios with the same format and header (csv, scaling) share the file.
func ensureInput(c config, s scenarioSpec) (string, error) {
	o := samplegen.Options{Rows: c.rows, Seed: c.seed, Merchants: c.merchants, Format: s.format, Header: s.header}
	name := fmt.Sprintf("export-%d-seed%d-m%d%s", c.rows, c.seed, c.merchants, s.suffix)
	path := filepath.Join(c.work, name)
	marker := path + ".marker"
	fp, err := generatorFingerprint(o)
	if err != nil {
		return "", err
	}
	want := fmt.Sprintf("%+v generator=%s", o, fp)
	if st, err := os.Stat(path); err == nil {
		if m, err := os.ReadFile(marker); err == nil && string(m) == fmt.Sprintf("%s size=%d\n", want, st.Size()) {
			return path, nil
		}
	}
	fmt.Printf("generating %s (%d rows)...\n", path, c.rows)
	t0 := time.Now()
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := samplegen.Write(w, o); err != nil {
		f.Close()
		return "", err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return "", err
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	fmt.Printf("  %d bytes in %s\n", st.Size(), time.Since(t0).Round(time.Millisecond))
	return path, os.WriteFile(marker, []byte(fmt.Sprintf("%s size=%d\n", want, st.Size())), 0o644)
}

// generatorFingerprint hashes a small file of the same options, so that a
// changed generator invalidates the inputs made by an older one.
func generatorFingerprint(o samplegen.Options) (string, error) {
	o.Rows = 20000
	h := sha256.New()
	if err := samplegen.Write(h, o); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// measurement is one run of one tool.
type measurement struct {
	wall   time.Duration
	cpu    time.Duration // user + system, of the process and its reaped children
	maxRSS int64         // bytes
	err    error
	duck   *duckResult
}

type toolResult struct {
	runs []measurement
}

func (t *toolResult) ok() []measurement {
	var out []measurement
	for _, m := range t.runs {
		if m.err == nil {
			out = append(out, m)
		}
	}
	return out
}

func (t *toolResult) median() time.Duration {
	return t.medianOf(func(m measurement) time.Duration { return m.wall })
}

func (t *toolResult) medianCPU() time.Duration {
	return t.medianOf(func(m measurement) time.Duration { return m.cpu })
}

func (t *toolResult) medianOf(f func(measurement) time.Duration) time.Duration {
	var ds []time.Duration
	for _, m := range t.ok() {
		ds = append(ds, f(m))
	}
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

func (t *toolResult) peakRSS() int64 {
	var p int64
	for _, m := range t.ok() {
		p = max(p, m.maxRSS)
	}
	return p
}

func (t *toolResult) firstErr() error {
	for _, m := range t.runs {
		if m.err != nil {
			return m.err
		}
	}
	return nil
}

type scenarioResult struct {
	spec          scenarioSpec
	name, file    string
	size          int64
	plain         int64 // bytes of CSV parsed: size, uncompressed for gzip
	rows          int
	limit         time.Duration // cat or zcat FILE > /dev/null (spec.limit)
	analyze, duck toolResult    // analyze --workers -threads (scaling too) and DuckDB
	rules         toolResult    // analyze with its default rules (the real job)
	single        toolResult    // analyze --workers 1 (scaling)
	csv           *toolResult   // the csv scenario's analyze (for gbk), nil if it did not run
	cmp           []comparison
	cmpErr        error
	analyzeOut    string
	duckOut       string
	loadBefore    string
	loadAfter     string
}

// step is one command of a scenario's round.
type step struct {
	label string
	argv  []string
	log   string
	res   *toolResult
}

// alternate runs every step once per round, runs rounds in all, so that a
// change in the machine's load falls on all of the steps alike.
func alternate(scenario string, runs int, steps []step) {
	for i := range runs {
		for _, s := range steps {
			fmt.Printf("%s run %d/%d: %s...", scenario, i+1, runs, s.label)
			m := measure(exec.Command(s.argv[0], s.argv[1:]...), s.log)
			fmt.Println(" " + describe(m))
			s.res.runs = append(s.res.runs, m)
		}
	}
}

func runScenario(c config, self string, s scenarioSpec, file string) (scenarioResult, error) {
	st, err := os.Stat(file)
	if err != nil {
		return scenarioResult{}, err
	}
	r := scenarioResult{spec: s, name: s.name, file: file, size: st.Size(), rows: c.rows}
	r.loadBefore = loadAvg()
	r.limit, r.plain = limitTime(s.limit, file)
	if r.plain == 0 {
		r.plain = r.size
	}
	r.analyzeOut = filepath.Join(c.work, "out-analyze-"+s.name)
	r.duckOut = filepath.Join(c.work, "out-duck-"+s.name)
	logFile := func(tool string) string { return filepath.Join(c.work, tool+"-"+s.name+".log") }
	// The same job as DuckDB's: a join on the code table alone.
	analyze := func(workers int, out string) []string {
		return []string{c.analyze, "run", "--workers", fmt.Sprint(workers), "--no-default-rules", "--rules", c.codes, "-o", out, file}
	}
	var steps []step
	switch {
	case c.duckOnly:
	case s.scaling:
		steps = append(steps,
			step{"analyze --workers 1", analyze(1, r.analyzeOut+"-w1"), logFile("analyze-w1"), &r.single},
			step{fmt.Sprintf("analyze --workers %d", c.threads), analyze(c.threads, r.analyzeOut), logFile("analyze"), &r.analyze})
	default:
		steps = append(steps, step{"analyze", analyze(c.threads, r.analyzeOut), logFile("analyze"), &r.analyze})
		if s.rules {
			// The real job: the default rules (conditions, keywords,
			// capabilities), to see what they cost over the code table.
			steps = append(steps, step{"analyze with default rules",
				[]string{c.analyze, "run", "--workers", fmt.Sprint(c.threads), "-o", r.analyzeOut + "-rules", file},
				logFile("analyze-rules"), &r.rules})
		}
	}
	if s.duck {
		steps = append(steps, step{"duckdb",
			[]string{self, duckChildCmd, "-file", file, "-codes", c.codes, "-out", r.duckOut,
				"-threads", fmt.Sprint(c.threads), "-plan", c.plan, "-dedup", c.dedup},
			logFile("duck"), &r.duck})
	}
	alternate(s.name, c.runs, steps)
	r.loadAfter = loadAvg()
	if s.duck && !c.duckOnly && r.analyze.firstErr() == nil && r.duck.firstErr() == nil {
		r.cmp, r.cmpErr = compareOutputs(r.analyzeOut, r.duckOut)
	}
	return r, nil
}

func describe(m measurement) string {
	if m.err != nil {
		return "failed: " + m.err.Error()
	}
	return fmt.Sprintf("%s (cpu %s), peak RSS %s", m.wall.Round(time.Millisecond), m.cpu.Round(time.Millisecond), mib(m.maxRSS))
}

// measure runs cmd, timing it from start to exit, and reads the child's
// peak RSS from its rusage. Stderr goes to logPath; stdout is kept for the
// DuckDB child's JSON line.
func measure(cmd *exec.Cmd, logPath string) measurement {
	logf, err := os.Create(logPath)
	if err != nil {
		return measurement{err: err}
	}
	defer logf.Close()
	var stdout strings.Builder
	cmd.Stdout = io.MultiWriter(&stdout, logf)
	cmd.Stderr = logf
	t0 := time.Now()
	err = cmd.Run()
	m := measurement{wall: time.Since(t0)}
	if ru, ok := sysUsage(cmd); ok {
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		m.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
		if runtime.GOOS == "darwin" {
			m.maxRSS = ru.Maxrss // bytes on macOS
		}
	}
	if err != nil {
		m.err = fmt.Errorf("%v (see %s)", err, logPath)
		return m
	}
	if len(cmd.Args) > 1 && cmd.Args[1] == duckChildCmd {
		var d duckResult
		line := stdout.String()
		if i := strings.LastIndex(strings.TrimSpace(line), "\n"); i >= 0 {
			line = line[i+1:]
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			m.err = fmt.Errorf("reading the child's result: %v", err)
			return m
		}
		m.duck = &d
	}
	return m
}

// limitTime is the time `tool FILE > /dev/null` takes (tool cat or zcat)
// with the file in the page cache: the machine's limit for reading it,
// and for zcat its limit for decompressing it. Median of three after a
// warm-up run, which also counts the bytes written (for zcat, the
// uncompressed size). 0, 0 if the tool fails.
func limitTime(tool, file string) (time.Duration, int64) {
	var ds []time.Duration
	var out countWriter
	for i := range 4 {
		cmd := exec.Command(tool, file)
		if i == 0 {
			cmd.Stdout = &out
		} else {
			devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
			if err != nil {
				return 0, 0
			}
			defer devnull.Close()
			// An *os.File: the tool writes to /dev/null itself, not
			// through a pipe to this process.
			cmd.Stdout = devnull
		}
		t0 := time.Now()
		err := cmd.Run()
		d := time.Since(t0)
		if err != nil {
			return 0, 0
		}
		if i > 0 {
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2], out.n
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func sysUsage(cmd *exec.Cmd) (*syscall.Rusage, bool) {
	if cmd.ProcessState == nil {
		return nil, false
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return ru, ok
}
