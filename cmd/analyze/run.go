package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/ingest"
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
      --rules FILE         code table CSV (namespace,code,cause); repeatable, later wins
      --no-default-rules   drop the embedded code table (causes and success codes stay)

OUTPUT
  -o, --out DIR            write the report set into DIR (default: tables on stdout)
  -f, --format LIST        csv,json,parquet (default csv,json); summary.json and rejects.csv always
      --by DIMS            an extra breakdown by canonical fields, e.g. --by region,payment_method (repeatable)
      --top N              rows per table on stdout (default 10)
      --csv-bom            start CSV files with a UTF-8 BOM (for Excel)
      --now TIME           generation time to record (RFC 3339), for reproducible reports

RUNNING
  -w, --workers N          parallel workers (default: number of CPUs)
      --max-reject-rate R  exit 3 when rejected/read exceeds R (default 0.01)
      --skip-bad-files     skip an unreadable file (listed in summary.json, exit 3) instead of failing
      --log-format F       text (default) or json log lines on stderr
  -q, --quiet              log warnings and errors only
      --cpuprofile FILE    write a CPU profile
      --memprofile FILE    write a heap profile at the end

EXAMPLES
  analyze run samples/
  analyze run -o out/ -f csv,json,parquet --by region,payment_method 'exports/2026-11-21/*.csv.gz'
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
	fs.BoolVar(&o.noDedup, "no-dedup", false, "")
	fs.StringArrayVar(&o.rules, "rules", nil, "")
	fs.BoolVar(&o.noDefaultRules, "no-default-rules", false, "")
	fs.StringVarP(&o.out, "out", "o", "", "")
	fs.StringSliceVarP(&o.formats, "format", "f", []string{"csv", "json"}, "")
	fs.StringArrayVar(&o.by, "by", nil, "")
	fs.IntVar(&o.top, "top", 10, "")
	fs.BoolVar(&o.csvBOM, "csv-bom", false, "")
	fs.StringVar(&o.now, "now", "", "")
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
	log, err := newLogger(env.Stderr, o.logFormat, o.quiet)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("run: no INPUT given (see analyze help run)")
	}
	if o.maxRejectRate < 0 || o.maxRejectRate > 1 {
		return usagef("--max-reject-rate %v: expected a fraction between 0 and 1", o.maxRejectRate)
	}
	for _, f := range o.formats {
		switch f {
		case "csv", "json", "parquet":
		default:
			return usagef("--format %q: expected csv, json or parquet", f)
		}
	}
	generated := env.now()
	if o.now != "" {
		t, err := time.Parse(time.RFC3339, o.now)
		if err != nil {
			return usagef("--now %q: expected RFC 3339, e.g. 2026-11-22T06:00:00+08:00", o.now)
		}
		generated = t
	}
	inputs, err := ingest.Expand(fs.Args())
	if err != nil {
		return err
	}
	iopts, err := o.ingestOptions()
	if err != nil {
		return err
	}
	iopts.Stdin = env.Stdin
	by, err := parseBy(o.by)
	if err != nil {
		return err
	}
	cl, err := classify.New(classify.Options{RulesFiles: o.rules, NoDefaultRules: o.noDefaultRules})
	if err != nil {
		return err
	}
	popts := pipeline.Options{
		Inputs: inputs, Ingest: iopts, Classifier: cl, Report: report.Options{By: by},
		Workers: o.workers, SkipBadFiles: o.skipBadFiles, NoDedup: o.noDedup,
	}
	if err := popts.Validate(); err != nil {
		return err
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}

	// Rejects stream into the staging directory while the run goes on, so
	// a million of them cost no memory.
	var set *report.OutputSet
	var rejects *csv.Writer
	var rejectFile io.WriteCloser
	const shownRejects = 5
	var firstRejects []*record.Error
	if o.out != "" {
		if set, err = report.NewOutputSet(o.out); err != nil {
			return err
		}
		defer set.Abort() // a no-op after Commit
		if rejectFile, err = set.Create("rejects.csv"); err != nil {
			return err
		}
		if o.csvBOM {
			io.WriteString(rejectFile, "\ufeff")
		}
		rejects = csv.NewWriter(rejectFile)
		rejects.Write([]string{"file", "line", "column", "reason", "raw"})
	}
	popts.OnReject = func(e *record.Error) error {
		if len(firstRejects) < shownRejects {
			firstRejects = append(firstRejects, e)
		}
		if rejects == nil {
			return nil
		}
		pos := e.Line
		if pos == 0 {
			pos = e.Row
		}
		return rejects.Write([]string{e.File, strconv.FormatInt(pos, 10), e.Column, e.Reason(), e.Raw})
	}

	// Live memory is bounded by the batches in flight, so collecting less
	// often costs little memory and saves the write barriers of a
	// column-per-field batch (see README, memory model).
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	start := time.Now()
	res, err := pipeline.Run(ctx, popts)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if rejects != nil {
		rejects.Flush()
		if err := rejects.Error(); err != nil {
			return fmt.Errorf("writing rejects.csv: %w", err)
		}
		if err := rejectFile.Close(); err != nil {
			return fmt.Errorf("writing rejects.csv: %w", err)
		}
	}

	sum := buildSummary(res, cl, generated, append([]string{"analyze", "run"}, args...))
	tables := res.Agg.Tables()
	if set != nil {
		if err := set.WriteTables(tables, o.formats, report.WriteOptions{CSVBOM: o.csvBOM}); err != nil {
			return err
		}
		if err := set.WriteSummary(sum); err != nil {
			return err
		}
		if err := set.Commit(); err != nil {
			return err
		}
	} else {
		report.WriteText(env.Stdout, sum, tables, report.TextOptions{Top: o.top})
	}

	if o.memProfile != "" {
		f, err := os.Create(o.memProfile)
		if err != nil {
			return err
		}
		runtime.GC()
		pprof.WriteHeapProfile(f)
		f.Close()
	}

	for _, e := range firstRejects {
		pos := []any{"line", e.Line}
		if e.Row > 0 {
			pos = []any{"row", e.Row}
		}
		log.Warn("row rejected", append(append([]any{"file", e.File}, pos...), "column", e.Column, "reason", e.Reason())...)
	}
	if res.Rejected > int64(len(firstRejects)) {
		log.Warn("more rows rejected", "count", res.Rejected-int64(len(firstRejects)), "see", "rejects.csv in --out")
	}
	for _, in := range res.Inputs {
		if in.Err != nil {
			log.Warn("file skipped", "file", in.Path, "error", record.MaskPANs(in.Err.Error()))
		}
	}
	log.Info("run finished", "rows_read", res.RowsRead, "rows_classified", res.Classified, "rows_rejected", res.Rejected,
		"rows_filtered", res.Filtered, "duplicates", res.Duplicates, "files", len(inputs), "files_skipped", res.Skipped,
		"out", o.out, "seconds", elapsed.Seconds())

	rate := 0.0
	if res.RowsRead > 0 {
		rate = float64(res.Rejected) / float64(res.RowsRead)
	}
	switch {
	case res.Skipped > 0:
		log.Warn("finished with skipped files", "files_skipped", res.Skipped)
		return &exitErr{code: exitPartial, err: errSilent}
	case rate > o.maxRejectRate:
		log.Warn("reject rate over the limit", "rows_rejected", res.Rejected, "rows_read", res.RowsRead,
			"reject_rate", fmt.Sprintf("%.4f", rate), "max_reject_rate", o.maxRejectRate)
		return &exitErr{code: exitPartial, err: errSilent}
	}
	return nil
}

// buildSummary assembles summary.json from the pipeline's counts, the
// aggregator's totals and the run's provenance.
func buildSummary(res *pipeline.Result, cl *classify.Classifier, generated time.Time, command []string) *report.Summary {
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
		UnknownValues:  res.Unknown,
	}
	for _, in := range res.Inputs {
		is := report.InputSummary{Path: in.Path, Size: in.Size, SHA256: in.SHA256, Rows: in.Rows}
		if in.Err != nil {
			is.Error = record.MaskPANs(in.Err.Error())
		}
		s.Inputs = append(s.Inputs, is)
	}
	res.Agg.FillSummary(s)
	return s
}
