package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/payops/analyze/pkg/alert"
	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/history"
	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/partial"
	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

const runHelp = `analyze run: classify declined payments and write breakdowns

USAGE
  analyze run [flags] INPUT...

Reads every INPUT (files, directories, globs, - for stdin; .csv, .csv.gz,
.parquet, detected from the bytes), maps each declined purchase onto a cause
and writes per-merchant, per-terminal-model and per-cause breakdowns: as
tables on stdout, or with --out as a complete set of files, replaced
atomically (summary.json is written last and marks the set complete).

INPUT
  -d, --delimiter C        field delimiter: , (default) tab | ;
      --encoding E         auto (default), utf-8, gb18030 or gbk
      --lenient-quotes     keep a bare " in a field literally instead of failing the file
      --columns SPEC       header overrides, canonical=Header,... (e.g. amount=交易额)
      --tz ZONE            time zone of local timestamps (default Asia/Shanghai)
      --amount-unit U      yuan (default) or fen (integer minor units)
      --terminals FILE     terminal master: terminal_id → terminal_model, terminal_firmware
      --merchants FILE     merchant master: merchant_id → merchant_name, mcc, region
      --no-dedup           count repeated txn_ids every time (default: the first counts)

CLASSIFICATION
      --rules FILE         a rules file (.toml) or code table (.csv namespace,code,cause);
                           repeatable, later wins (see analyze help rules)
      --capabilities FILE  terminal capability table (.toml [[terminal]]): which models
                           and firmware scan QR, take contactless, take Huabei; repeatable
      --acquirer NAME      an acquirer profile of the rules (its own code rows)
      --no-default-rules   drop the embedded codes and rules (catalogue and success codes stay)
      --explain N          print N sample rows per outcome with the rule that decided
                           each and why

TIME
      --from TIME          count only rows at or after TIME (2026-11-21T14:00 in --tz, or RFC 3339)
      --to TIME            count only rows before TIME; rows outside count as rows_filtered
      --bucket SIZE        1m, 5m, 15m, 1h or 1d: write timeseries.* (per bucket and cause),
                           and let any --by use the bucket: --by bucket,terminal_model
      --history DIR        store this run's aggregates in DIR/date=YYYY-MM-DD/ (Parquet,
                           one partition per local date, replaced atomically); the
                           bucket is --bucket or 1h
      --history-keep DAYS  remove partitions more than DAYS days older than the run
      --alert EXPR         [cause:ID.]METRIC OP NUMBER, METRIC decline_rate, declines or
                           attempts, OP > >= < <=; repeatable. A fired alert is written to
                           alerts.json and the run exits 4

OUTPUT
  -o, --out DIR            write the report set into DIR (default: tables on stdout)
      --partial-out DIR    instead of reports, write this shard's pre-aggregated state
                           (Parquet) for analyze merge (see analyze help merge)
  -f, --format LIST        csv,json,parquet,html,xlsx (default csv,json); summary.json,
                           rejects.csv and unmapped.csv always; html and xlsx are one
                           report.html (self-contained, charts) and report.xlsx
      --lang en|zh         language of labels: cause_label columns, html and xlsx (default en)
      --by DIMS            an extra breakdown by canonical fields, e.g. --by region,payment_method (repeatable)
      --top N              rows per table on stdout (default 10)
      --csv-bom            start CSV files with a UTF-8 BOM (for Excel)
      --now TIME           generation time to record (RFC 3339), for reproducible reports

RUNNING
  -w, --workers N          CPUs to use: N decoding workers, with reading and
                           counting on the same N CPUs (default: all CPUs)
      --max-reject-rate R  exit 3 when rejected/read exceeds R (default 0.01)
      --skip-bad-files     skip an unreadable file (listed in summary.json, exit 3) instead of failing
      --log-format F       text (default) or json log lines on stderr
  -q, --quiet              log warnings and errors only
      --cpuprofile FILE    write a CPU profile
      --memprofile FILE    write a heap profile at the end

EXAMPLES
  analyze run samples/
  analyze run -o out/ -f csv,json,parquet --by region,payment_method 'exports/2026-11-21/*.csv.gz'
  analyze run -o out/ --bucket 15m --history /data/history --history-keep 90 \
      --alert 'decline_rate>0.15' --alert 'cause:network.declines>500' exports/2026-11-21/
  zcat day.csv.gz | analyze run --encoding gbk -

` + exitStatusHelp + `
`

// runOptions binds the flags of `analyze run`.
type runOptions struct {
	delimiter, encoding, columns, tz, amountUnit string
	lenientQuotes, noDedup                       bool
	terminals, merchants                         string
	rules                                        []string
	noDefaultRules                               bool
	out                                          string
	formats                                      []string
	by                                           []string
	top                                          int
	csvBOM                                       bool
	now                                          string
	workers                                      int
	maxRejectRate                                float64
	skipBadFiles                                 bool
	logFormat                                    string
	quiet                                        bool
	cpuProfile, memProfile                       string
	from, to, bucket                             string
	history                                      string
	historyKeep                                  int
	alerts                                       []string
	capabilities                                 []string
	partialOut                                   string
	acquirer, lang                               string
	explain                                      int
}

// bindInput binds the flags that say how to read inputs (run and inspect).
func (o *runOptions) bindInput(fs *pflag.FlagSet) {
	fs.StringVarP(&o.delimiter, "delimiter", "d", ",", "")
	fs.StringVar(&o.encoding, "encoding", "auto", "")
	fs.BoolVar(&o.lenientQuotes, "lenient-quotes", false, "")
	fs.StringVar(&o.columns, "columns", "", "")
	fs.StringVar(&o.tz, "tz", "Asia/Shanghai", "")
	fs.StringVar(&o.amountUnit, "amount-unit", "yuan", "")
	fs.StringVar(&o.terminals, "terminals", "", "")
	fs.StringVar(&o.merchants, "merchants", "", "")
}

func (o *runOptions) bind(fs *pflag.FlagSet) {
	o.bindInput(fs)
	o.bindClassify(fs)
	fs.StringVar(&o.from, "from", "", "")
	fs.StringVar(&o.to, "to", "", "")
	fs.StringVar(&o.bucket, "bucket", "", "")
	fs.StringVar(&o.history, "history", "", "")
	fs.IntVar(&o.historyKeep, "history-keep", 0, "")
	fs.StringArrayVar(&o.alerts, "alert", nil, "")
	fs.StringVarP(&o.out, "out", "o", "", "")
	fs.StringVar(&o.partialOut, "partial-out", "", "")
	fs.StringSliceVarP(&o.formats, "format", "f", []string{"csv", "json"}, "")
	fs.StringArrayVar(&o.by, "by", nil, "")
	fs.IntVar(&o.top, "top", 10, "")
	fs.BoolVar(&o.csvBOM, "csv-bom", false, "")
	fs.StringVar(&o.now, "now", "", "")
	fs.StringVar(&o.lang, "lang", "en", "")
	fs.IntVar(&o.explain, "explain", 0, "")
	o.bindRunning(fs)
}

// bindClassify binds the flags that say how rows are classified (run and spike).
func (o *runOptions) bindClassify(fs *pflag.FlagSet) {
	fs.BoolVar(&o.noDedup, "no-dedup", false, "")
	fs.StringArrayVar(&o.rules, "rules", nil, "")
	fs.BoolVar(&o.noDefaultRules, "no-default-rules", false, "")
	fs.StringArrayVar(&o.capabilities, "capabilities", nil, "")
	fs.StringVar(&o.acquirer, "acquirer", "", "")
}

// bindRunning binds the flags that say how the work runs (run and spike).
func (o *runOptions) bindRunning(fs *pflag.FlagSet) {
	fs.IntVarP(&o.workers, "workers", "w", 0, "")
	fs.Float64Var(&o.maxRejectRate, "max-reject-rate", 0.01, "")
	fs.BoolVar(&o.skipBadFiles, "skip-bad-files", false, "")
	fs.StringVar(&o.logFormat, "log-format", "text", "")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "")
	fs.StringVar(&o.memProfile, "memprofile", "", "")
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints the command's own help text.
func newFlagSet(name, help string, env *Env) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() { fmt.Fprint(env.Stderr, help) }
	return fs
}

func parseFlags(fs *pflag.FlagSet, args []string, env *Env, help string) error {
	if err := fs.Parse(args); err != nil {
		if err == pflag.ErrHelp {
			fmt.Fprint(env.Stdout, help)
			return &exitErr{code: exitOK, err: errSilent}
		}
		return usagef("%v (see analyze help %s)", err, fs.Name())
	}
	return nil
}

func parseDelimiter(s string) (byte, error) {
	switch s {
	case ",", "comma":
		return ',', nil
	case "\t", "\\t", "tab", "TAB":
		return '\t', nil
	case "|", "pipe":
		return '|', nil
	case ";", "semicolon":
		return ';', nil
	}
	return 0, usagef("--delimiter %q: expected , tab | or ;", s)
}

// ingestOptions turns the input flags into ingest options.
func (o *runOptions) ingestOptions() (ingest.Options, error) {
	var opts ingest.Options
	d, err := parseDelimiter(o.delimiter)
	if err != nil {
		return opts, err
	}
	opts.Delimiter = d
	opts.Encoding = strings.ToLower(o.encoding)
	opts.LenientQuotes = o.lenientQuotes
	opts.AmountUnit = o.amountUnit
	if opts.Columns, err = ingest.ParseColumns(o.columns); err != nil {
		return opts, err
	}
	loc, err := time.LoadLocation(o.tz)
	if err != nil {
		return opts, usagef("--tz %q: %v", o.tz, err)
	}
	opts.TZ = loc
	raw := ingest.RawOptions{Delimiter: d}
	if o.terminals != "" {
		if opts.Terminals, err = ingest.LoadTerminals(o.terminals, raw); err != nil {
			return opts, &exitErr{code: exitUsage, err: fmt.Errorf("--terminals: %w", err)}
		}
	}
	if o.merchants != "" {
		if opts.Merchants, err = ingest.LoadMerchants(o.merchants, raw); err != nil {
			return opts, &exitErr{code: exitUsage, err: fmt.Errorf("--merchants: %w", err)}
		}
	}
	return opts, opts.Validate()
}

func parseBy(specs []string) ([][]record.Field, error) {
	var out [][]record.Field
	for _, spec := range specs {
		var dims []record.Field
		for _, name := range strings.Split(spec, ",") {
			f, ok := record.FieldByName(strings.TrimSpace(name))
			if !ok {
				return nil, usagef("--by %q: unknown field %q", spec, name)
			}
			dims = append(dims, f)
		}
		out = append(out, dims)
	}
	return out, nil
}

func runCmd(ctx context.Context, args []string, env *Env) error {
	var o runOptions
	fs := newFlagSet("run", runHelp, env)
	o.bind(fs)
	if err := parseFlags(fs, args, env, runHelp); err != nil {
		return err
	}
	cf, err := o.common(fs, env, "run", "INPUT")
	if err != nil {
		return err
	}
	log, reportFormats, lang := cf.log, cf.reportFormats, cf.lang
	if o.workers > 0 && o.workers < runtime.GOMAXPROCS(0) {
		// --workers is the CPU the run may take, as DuckDB's threads: a
		// nightly job beside others asks for a share of the machine. The
		// reader, sequencer and aggregators run on the same CPUs.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(o.workers))
	}
	if o.explain < 0 {
		return usagef("--explain %d: expected a number of rows per cause", o.explain)
	}
	if o.partialOut != "" && o.out != "" {
		return usagef("--partial-out and --out: a shard writes its partial output; analyze merge writes the reports")
	}
	if o.historyKeep < 0 {
		return usagef("--history-keep %d: expected a number of days", o.historyKeep)
	}
	if o.historyKeep > 0 && o.history == "" {
		return usagef("--history-keep needs --history DIR")
	}
	alerts, err := alert.ParseAll(o.alerts, false)
	if err != nil {
		return err
	}
	generated, err := o.generatedAt(env)
	if err != nil {
		return err
	}
	popts, cl, err := o.pipelineOptions(fs.Args(), env)
	if err != nil {
		return err
	}
	loc := popts.Ingest.TZ
	if o.from != "" || o.to != "" {
		r := ingest.TimeRange{From: math.MinInt64, To: math.MaxInt64}
		if o.from != "" {
			t, err := parseFlagTime("--from", o.from, loc)
			if err != nil {
				return err
			}
			r.From = t.Unix()
		}
		if o.to != "" {
			t, err := parseFlagTime("--to", o.to, loc)
			if err != nil {
				return err
			}
			r.To = t.Unix()
		}
		if r.To <= r.From {
			return usagef("--to must be after --from")
		}
		popts.Ingest.Keep = []ingest.TimeRange{r}
	}
	var bucket int64
	if o.bucket != "" {
		if bucket, err = parseBucket(o.bucket); err != nil {
			return err
		}
		popts.Cubes = append(popts.Cubes, report.CubeOptions{Bucket: bucket, TZ: loc})
		popts.BucketSize, popts.BucketTZ = bucket, loc
	}
	if o.history != "" {
		popts.Cubes = append(popts.Cubes, history.CubeOptions(bucket, loc))
	}
	// The HTML report charts the decline rate over time: without --bucket
	// it gets hourly buckets of its own.
	chartCube := -1
	if slices.Contains(reportFormats, "html") {
		chartCube = 0
		if o.bucket == "" {
			chartCube = len(popts.Cubes)
			popts.Cubes = append(popts.Cubes, report.CubeOptions{Bucket: 3600, TZ: loc})
		}
	}
	popts.ExplainSamples = o.explain
	sess, err := o.start(&popts, o.csvBOM)
	if err != nil {
		return err
	}
	defer sess.close()
	start := time.Now()
	res, err := sess.run(ctx, env, popts)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	set, rej := sess.set, sess.rej

	sum := buildSummary(res, cl, generated, append([]string{"analyze", "run"}, args...), loc)
	if len(popts.Ingest.Keep) == 1 {
		r := popts.Ingest.Keep[0]
		sum.Filter = &report.TimeFilter{}
		if r.From != math.MinInt64 {
			sum.Filter.From = time.Unix(r.From, 0).In(loc).Format(time.RFC3339)
		}
		if r.To != math.MaxInt64 {
			sum.Filter.To = time.Unix(r.To, 0).In(loc).Format(time.RFC3339)
		}
	}
	tables := res.Agg.Tables()
	if o.bucket != "" {
		tables = append(tables, report.TimeseriesTable(res.Cubes[0]))
	}
	causes := causeInfos(cl, lang)
	fired := alert.Check(alerts, runMetrics(sum))
	if sess.partial != nil {
		meta := partial.Meta{Version: version, RulesVersion: cl.Version(), Bucket: bucket, TZ: o.tz, Filter: sum.Filter,
			Command: append([]string{"analyze", "run"}, args...)}
		if err := sess.partial.Commit(res, meta); err != nil {
			return err
		}
	} else {
		rs := &reportSet{sum: sum, tables: tables, causes: causes, unmapped: unmappedTable(res.Unmapped), alerts: len(alerts) > 0, fired: fired}
		if chartCube >= 0 {
			ts := report.TimeseriesTable(res.Cubes[chartCube])
			rs.timeseries = &ts
		}
		if err := rs.write(set, env.Stdout, cf, o.top, o.csvBOM); err != nil {
			return err
		}
	}
	if o.explain > 0 {
		writeExplain(env.Stdout, res, cl, lang)
	}
	if o.history != "" {
		if err := o.writeHistory(res.Cubes[len(res.Cubes)-1], generated.In(loc), log); err != nil {
			return err
		}
	}
	if err := writeMemProfile(o.memProfile); err != nil {
		return err
	}

	rej.log(log, res.Rejected)
	for _, in := range res.Inputs {
		if in.Err != nil {
			log.Warn("file skipped", "file", in.Path, "error", record.MaskPANs(in.Err.Error()))
		}
	}
	if res.PANsFound > 0 {
		log.Warn("card numbers found outside the pan column; they were masked", "pans_found", res.PANsFound)
	}
	log.Info("run finished", "rows_read", res.RowsRead, "rows_classified", res.Classified, "rows_rejected", res.Rejected,
		"rows_filtered", res.Filtered, "duplicates", res.Duplicates, "files", len(popts.Inputs), "files_skipped", res.Skipped,
		"out", o.out, "seconds", elapsed.Seconds())
	logAlerts(log, fired)

	return endStatus(log, res, o.maxRejectRate, fired)
}

// endStatus is the exit status of a finished run or spike: skipped files
// or too many rejects (3) before fired alerts (4).
func endStatus(log *slog.Logger, res *pipeline.Result, maxRejectRate float64, fired []alert.Fired) error {
	rate := 0.0
	if res.RowsRead > 0 {
		rate = float64(res.Rejected) / float64(res.RowsRead)
	}
	switch {
	case res.Skipped > 0:
		log.Warn("finished with skipped files", "files_skipped", res.Skipped)
		return &exitErr{code: exitPartial, err: errSilent}
	case rate > maxRejectRate:
		log.Warn("reject rate over the limit", "rows_rejected", res.Rejected, "rows_read", res.RowsRead,
			"reject_rate", fmt.Sprintf("%.4f", rate), "max_reject_rate", maxRejectRate)
		return &exitErr{code: exitPartial, err: errSilent}
	case len(fired) > 0:
		return &exitErr{code: exitAlert, err: errSilent}
	}
	return nil
}

// commonFlags is what run, spike and merge check alike once their flags
// are parsed: the logger, that operands were given, --max-reject-rate,
// --format (split into table and report formats) and --lang.
type commonFlags struct {
	log                         *slog.Logger
	tableFormats, reportFormats []string
	lang                        string
}

func (o *runOptions) common(fs *pflag.FlagSet, env *Env, cmd, operand string) (commonFlags, error) {
	var c commonFlags
	var err error
	if c.log, err = newLogger(env.Stderr, o.logFormat, o.quiet); err != nil {
		return c, err
	}
	if fs.NArg() == 0 {
		return c, usagef("%s: no %s given (see analyze help %s)", cmd, operand, cmd)
	}
	if o.maxRejectRate < 0 || o.maxRejectRate > 1 {
		return c, usagef("--max-reject-rate %v: expected a fraction between 0 and 1", o.maxRejectRate)
	}
	if c.tableFormats, c.reportFormats, err = report.SplitFormats(o.formats); err != nil {
		return c, err
	}
	c.lang, err = report.ParseLang(o.lang)
	return c, err
}

// generatedAt is --now, or the current time.
func (o *runOptions) generatedAt(env *Env) (time.Time, error) {
	if o.now == "" {
		return env.now(), nil
	}
	t, err := time.Parse(time.RFC3339, o.now)
	if err != nil {
		return t, usagef("--now %q: expected RFC 3339, e.g. 2026-11-22T06:00:00+08:00", o.now)
	}
	return t, nil
}

// pipelineOptions turns the input and classification flags into pipeline
// options (run and spike share them).
func (o *runOptions) pipelineOptions(args []string, env *Env) (pipeline.Options, *classify.Classifier, error) {
	inputs, err := ingest.Expand(args)
	if err != nil {
		return pipeline.Options{}, nil, err
	}
	iopts, err := o.ingestOptions()
	if err != nil {
		return pipeline.Options{}, nil, err
	}
	iopts.Stdin = env.Stdin
	by, err := parseBy(o.by)
	if err != nil {
		return pipeline.Options{}, nil, err
	}
	cl, err := classify.New(classify.Options{RulesFiles: o.rules, CapabilitiesFiles: o.capabilities, Acquirer: o.acquirer, NoDefaultRules: o.noDefaultRules})
	if err != nil {
		return pipeline.Options{}, nil, err
	}
	return pipeline.Options{
		Inputs: inputs, Ingest: iopts, Classifier: cl, Report: report.Options{By: by},
		Workers: o.workers, SkipBadFiles: o.skipBadFiles, NoDedup: o.noDedup,
	}, cl, nil
}

// session is the plumbing run and spike share around pipeline.Run: the
// CPU profile, the output set (when --out is given) and rejects.csv
// streaming into it.
type session struct {
	set         *report.OutputSet
	partial     *partial.Writer // --partial-out
	rej         *rejectLog
	stopProfile func()
	quiet       bool
	undoGC      []func() // put back the collector settings run changed
}

// start validates popts and opens what the run writes to; close releases
// it (the output set is left as it was unless committed).
func (o *runOptions) start(popts *pipeline.Options, bom bool) (*session, error) {
	if err := popts.Validate(); err != nil {
		return nil, err
	}
	s := &session{quiet: o.quiet, stopProfile: func() {}}
	var err error
	if s.stopProfile, err = startCPUProfile(o.cpuProfile); err != nil {
		return nil, err
	}
	if o.out != "" {
		if s.set, err = report.NewOutputSet(o.out); err != nil {
			s.stopProfile()
			return nil, err
		}
	}
	if s.rej, err = newRejectLog(s.set, bom); err != nil {
		s.close()
		return nil, err
	}
	popts.OnReject = s.rej.add
	if o.partialOut != "" {
		if s.partial, err = partial.NewWriter(o.partialOut); err != nil {
			s.close()
			return nil, err
		}
		popts.OnReject = func(e *record.Error) error {
			s.rej.add(e)
			return s.partial.Reject(e)
		}
	}
	return s, nil
}

func (s *session) close() {
	s.stopProfile()
	for _, undo := range slices.Backward(s.undoGC) {
		undo()
	}
	s.undoGC = nil
	if s.set != nil {
		s.set.Abort() // a no-op after Commit
	}
	if s.partial != nil {
		s.partial.Abort() // a no-op after Commit
	}
}

// run runs the pipeline with a progress bar and finishes rejects.csv.
func (s *session) run(ctx context.Context, env *Env, popts pipeline.Options) (*pipeline.Result, error) {
	// Live memory is bounded by the batches in flight, so collecting less
	// often costs little memory and saves the write barriers of a
	// column-per-field batch (see README, memory model). The settings last
	// until close: writing the tables of a million merchants holds more
	// than counting them did, and without the limit the heap doubles.
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(200)
		s.undoGC = append(s.undoGC, func() { debug.SetGCPercent(prev) })
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		s.undoGC = append(s.undoGC, followLiveHeap())
	}
	bar := startProgress(env.Stderr, s.quiet, &popts)
	res, err := pipeline.Run(ctx, popts)
	bar.end()
	if err != nil {
		return nil, err
	}
	return res, s.rej.close()
}

func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func writeMemProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}

// rejectLog streams rejected rows into rejects.csv in the staging
// directory while the run goes on, so a million of them cost no memory,
// and keeps the first few to log.
type rejectLog struct {
	w     *csv.Writer
	f     io.WriteCloser
	first []*record.Error
}

const shownRejects = 5

func newRejectLog(set *report.OutputSet, bom bool) (*rejectLog, error) {
	r := &rejectLog{}
	if set == nil {
		return r, nil
	}
	f, err := set.Create("rejects.csv")
	if err != nil {
		return nil, err
	}
	if bom {
		io.WriteString(f, "\ufeff")
	}
	r.f, r.w = f, csv.NewWriter(f)
	r.w.Write([]string{"file", "line", "column", "reason", "raw"})
	return r, nil
}

func (r *rejectLog) add(e *record.Error) error {
	if len(r.first) < shownRejects {
		r.first = append(r.first, e)
	}
	if r.w == nil {
		return nil
	}
	pos := e.Line
	if pos == 0 {
		pos = e.Row
	}
	return r.w.Write([]string{e.File, strconv.FormatInt(pos, 10), e.Column, e.Reason(), e.Raw})
}

func (r *rejectLog) close() error {
	if r.w == nil {
		return nil
	}
	r.w.Flush()
	if err := r.w.Error(); err != nil {
		return fmt.Errorf("writing rejects.csv: %w", err)
	}
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("writing rejects.csv: %w", err)
	}
	return nil
}

func (r *rejectLog) log(log *slog.Logger, total int64) {
	for _, e := range r.first {
		pos := []any{"line", e.Line}
		if e.Row > 0 {
			pos = []any{"row", e.Row}
		}
		log.Warn("row rejected", append(append([]any{"file", e.File}, pos...), "column", e.Column, "reason", e.Reason())...)
	}
	if total > int64(len(r.first)) {
		log.Warn("more rows rejected", "count", total-int64(len(r.first)), "see", "rejects.csv in --out")
	}
}

// writeHistory stores the history cube and applies --history-keep, counted
// back from the run's generation date.
func (o *runOptions) writeHistory(c *report.Cube, now time.Time, log *slog.Logger) error {
	dates, err := history.Write(o.history, c)
	if err != nil {
		return fmt.Errorf("--history %s: %w", o.history, err)
	}
	log.Info("history written", "dir", o.history, "dates", strings.Join(dates, ","))
	if o.historyKeep > 0 {
		keepFrom := now.AddDate(0, 0, -o.historyKeep).Format("2006-01-02")
		removed, err := history.Prune(o.history, keepFrom)
		if err != nil {
			return fmt.Errorf("--history-keep: %w", err)
		}
		if len(removed) > 0 {
			log.Info("history pruned", "dir", o.history, "dates", strings.Join(removed, ","))
		}
	}
	return nil
}

// runMetrics are the totals --alert checks on a run.
func runMetrics(s *report.Summary) alert.Metrics {
	m := alert.Metrics{Attempts: s.Attempts, Declines: s.Declines, CauseDeclines: map[string]int64{}}
	for id, c := range s.Causes {
		m.CauseDeclines[id] = c.Declines
	}
	return m
}

func writeAlerts(set *report.OutputSet, fired []alert.Fired) error {
	w, err := set.Create("alerts.json")
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(map[string]any{"alerts": fired}, "", "  ")
	if err != nil {
		w.Close()
		return err
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func logAlerts(log *slog.Logger, fired []alert.Fired) {
	for _, f := range fired {
		log.Warn("alert fired", "expression", f.Expression, "scope", f.Scope, "value", f.Value, "threshold", f.Threshold)
	}
}

// buildSummary assembles summary.json from the pipeline's counts, the
// aggregator's totals and the run's provenance.
func buildSummary(res *pipeline.Result, cl *classify.Classifier, generated time.Time, command []string, loc *time.Location) *report.Summary {
	s := &report.Summary{
		Version:        version,
		RulesVersion:   cl.Version(),
		GeneratedAt:    generated.Format(time.RFC3339),
		Command:        command,
		RowsRead:       res.RowsRead,
		RowsClassified: res.Classified,
		RowsRejected:   res.Rejected,
		RowsFiltered:   res.Filtered,
		Duplicates:     res.Duplicates,
		PANsFound:      res.PANsFound,
		UnknownValues:  res.Unknown,
	}
	for _, in := range res.Inputs {
		is := report.InputSummary{Path: in.Path, Size: in.Size, SHA256: in.SHA256, Rows: in.Rows}
		if in.Err != nil {
			is.Error = record.MaskPANs(in.Err.Error())
		}
		s.Inputs = append(s.Inputs, is)
	}
	if res.HasTimeRange {
		s.Window = &report.TimeWindow{First: time.Unix(res.TimeMin, 0).In(loc).Format(time.RFC3339),
			Last: time.Unix(res.TimeMax, 0).In(loc).Format(time.RFC3339)}
	}
	res.Agg.FillSummary(s)
	return s
}
