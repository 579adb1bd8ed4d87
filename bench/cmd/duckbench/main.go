// Command duckbench compares analyze with DuckDB on the same generated
// export: wall time, throughput and peak RSS of each, run alternately in
// subprocesses, and whether their per-merchant × cause and per-model ×
// cause decline counts agree.
//
//	cd bench && go run ./cmd/duckbench                 # 5M rows, csv and parquet, 3 runs each
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
	scenarios                      []string
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
	scen := fs.String("scenarios", "csv,parquet", "comma-separated: csv, parquet")
	fs.BoolVar(&c.record, "record", false, "also write results/YYYY-MM-DD.md")
	fs.BoolVar(&c.duckOnly, "duck-only", false, "run only the DuckDB side")
	fs.StringVar(&c.plan, "plan", "pregroup", "DuckDB plan: pregroup (group, then join causes) or naive (join every row)")
	fs.StringVar(&c.dedup, "dedup", dedupDistinct, "how DuckDB counts a repeated txn_id: distinct (count(DISTINCT txn_id)), group (GROUP BY txn_id first) or none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.scenarios = strings.Split(*scen, ",")
	for _, s := range c.scenarios {
		if s != "csv" && s != "parquet" {
			return fmt.Errorf("scenario %q: expected csv or parquet", s)
		}
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
		file, err := ensureInput(c, s)
		if err != nil {
			return err
		}
		r, err := runScenario(c, self, s, file)
		if err != nil {
			return err
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
func ensureInput(c config, scenario string) (string, error) {
	o := samplegen.Options{Rows: c.rows, Seed: c.seed, Merchants: c.merchants, Format: samplegen.FormatCSV}
	name := fmt.Sprintf("export-%d-seed%d-m%d.csv", c.rows, c.seed, c.merchants)
	if scenario == "parquet" {
		o.Format = samplegen.FormatParquet
		name = strings.TrimSuffix(name, ".csv") + ".parquet"
	}
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
	name, file    string
	size          int64
	rows          int
	cat           time.Duration
	analyze, duck toolResult
	rules         toolResult // analyze with its default rules (the real job)
	cmp           []comparison
	cmpErr        error
	analyzeOut    string
	duckOut       string
	loadBefore    string
	loadAfter     string
}

func runScenario(c config, self, scenario, file string) (scenarioResult, error) {
	st, err := os.Stat(file)
	if err != nil {
		return scenarioResult{}, err
	}
	r := scenarioResult{name: scenario, file: file, size: st.Size(), rows: c.rows}
	r.loadBefore = loadAvg()
	r.cat = catTime(file)
	r.analyzeOut = filepath.Join(c.work, "out-analyze-"+scenario)
	r.duckOut = filepath.Join(c.work, "out-duck-"+scenario)
	for i := range c.runs {
		if !c.duckOnly {
			fmt.Printf("%s run %d/%d: analyze...", scenario, i+1, c.runs)
			// The same job as DuckDB's: a join on the code table alone.
			m := measure(exec.Command(c.analyze, "run", "--workers", fmt.Sprint(c.threads), "--no-default-rules", "--rules", c.codes,
				"-o", r.analyzeOut, file), filepath.Join(c.work, "analyze-"+scenario+".log"))
			fmt.Println(" " + describe(m))
			r.analyze.runs = append(r.analyze.runs, m)
			// The real job: the default rules (conditions, keywords,
			// capabilities), to see what they cost over the code table.
			fmt.Printf("%s run %d/%d: analyze with default rules...", scenario, i+1, c.runs)
			m = measure(exec.Command(c.analyze, "run", "--workers", fmt.Sprint(c.threads), "-o", r.analyzeOut+"-rules", file),
				filepath.Join(c.work, "analyze-rules-"+scenario+".log"))
			fmt.Println(" " + describe(m))
			r.rules.runs = append(r.rules.runs, m)
		}
		fmt.Printf("%s run %d/%d: duckdb...", scenario, i+1, c.runs)
		cmd := exec.Command(self, duckChildCmd, "-file", file, "-codes", c.codes, "-out", r.duckOut,
			"-threads", fmt.Sprint(c.threads), "-plan", c.plan, "-dedup", c.dedup)
		m := measure(cmd, filepath.Join(c.work, "duck-"+scenario+".log"))
		fmt.Println(" " + describe(m))
		r.duck.runs = append(r.duck.runs, m)
	}
	r.loadAfter = loadAvg()
	if !c.duckOnly && r.analyze.firstErr() == nil && r.duck.firstErr() == nil {
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

// catTime is the time `cat FILE > /dev/null` takes with the file in the
// page cache: the machine's limit for reading it. Median of three after a
// warm-up read.
func catTime(file string) time.Duration {
	var ds []time.Duration
	for i := range 4 {
		devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return 0
		}
		cmd := exec.Command("cat", file)
		cmd.Stdout = devnull
		t0 := time.Now()
		err = cmd.Run()
		d := time.Since(t0)
		devnull.Close()
		if err != nil {
			return 0
		}
		if i > 0 {
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func sysUsage(cmd *exec.Cmd) (*syscall.Rusage, bool) {
	if cmd.ProcessState == nil {
		return nil, false
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return ru, ok
}
