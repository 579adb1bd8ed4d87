package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/alert"
	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/history"
	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
	"github.com/payops/analyze/pkg/spike"
)

const spikeHelp = `analyze spike: what changed, where, and since when

USAGE
  analyze spike [flags] INPUT...

Compares the decline rate of a window with a baseline and finds the few
combinations of attributes (payment_method=huabei & terminal_model=Newland
ME31, ...) that explain the change: their rates before and after, the share
of the extra declines each explains, its significance, the merchants and
terminals it touches, the causes and codes of its extra declines with what
to do, and the bucket where it started to move. Findings marked root cause
are what the localizer reports as causes; the others are context.

With no --window, the buckets of the input are tested against the buckets
before them (overall and per cause) and the most anomalous one is
investigated; finding none is not an error (exit 0, no findings).

WINDOW AND BASELINE
      --window FROM..TO    half-open, in --tz: 2026-11-21T14:00..2026-11-21T15:00
      --baseline SPEC      prev (default: the same-length period just before),
                           Nd (the same window N days earlier), or history:Nd
                           (the same clock window on each of the last N days,
                           read from the store given by --history)
      --history DIR        the store analyze run --history wrote
      --dims LIST          attributes to localize over (default merchant_id,
                           terminal_model,terminal_firmware,channel,payment_method,region,mcc)
      --bucket SIZE        1m, 5m (default), 15m, 1h: the grain of the first-move
                           time and of detection
      --min-attempts N     detection: fewest attempts in a tested bucket (default 100)
      --alert EXPR         as for run, plus explained_share (of the best root cause);
                           a fired alert exits 4

INPUT, CLASSIFICATION AND RUNNING
  As for analyze run: -d, --encoding, --lenient-quotes, --columns, --tz,
  --amount-unit, --terminals, --merchants, --no-dedup, --rules,
  --no-default-rules, -w, --max-reject-rate, --skip-bad-files, --log-format, -q.

OUTPUT
  -o, --out DIR            write spike.csv, spike.json and summary.json into DIR
  -f, --format LIST        html and/or xlsx: also report.html / report.xlsx with the findings
      --lang en|zh         language of the remedies and the reports (default en)
      --top N              findings shown on stdout (default 10)
      --now TIME           generation time to record (RFC 3339)

EXAMPLES
  analyze spike --window 2026-11-21T14:00..2026-11-21T15:00 exports/2026-11-21/
  analyze spike --window 2026-11-21T14:00..2026-11-21T15:00 --baseline 7d exports/
  analyze spike --window 2026-11-21T14:00..2026-11-21T15:00 --baseline history:7d \
      --history /data/history exports/2026-11-21/
  analyze spike exports/2026-11-21/       (find the worst bucket first)

` + exitStatusHelp + `
`

type spikeOptions struct {
	runOptions
	window, baseline, dims string
	minAttempts            int64
}

var defaultSpikeDims = "merchant_id,terminal_model,terminal_firmware,channel,payment_method,region,mcc"

func spikeCmd(ctx context.Context, args []string, env *Env) error {
	var o spikeOptions
	fs := newFlagSet("spike", spikeHelp, env)
	o.bindInput(fs)
	o.bindClassify(fs)
	o.bindRunning(fs)
	fs.StringVar(&o.window, "window", "", "")
	fs.StringVar(&o.baseline, "baseline", "prev", "")
	fs.StringVar(&o.history, "history", "", "")
	fs.StringVar(&o.dims, "dims", defaultSpikeDims, "")
	fs.StringVar(&o.bucket, "bucket", "5m", "")
	fs.Int64Var(&o.minAttempts, "min-attempts", 100, "")
	fs.StringArrayVar(&o.alerts, "alert", nil, "")
	fs.StringVarP(&o.out, "out", "o", "", "")
	fs.IntVar(&o.top, "top", 10, "")
	fs.StringVar(&o.now, "now", "", "")
	fs.StringVar(&o.lang, "lang", "en", "")
	fs.StringSliceVarP(&o.formats, "format", "f", nil, "")
	if err := parseFlags(fs, args, env, spikeHelp); err != nil {
		return err
	}
	cf, err := o.common(fs, env, "spike", "INPUT")
	if err != nil {
		return err
	}
	log, reportFormats, lang := cf.log, cf.reportFormats, cf.lang
	alerts, err := alert.ParseAll(o.alerts, true)
	if err != nil {
		return err
	}
	generated, err := o.generatedAt(env)
	if err != nil {
		return err
	}
	bucket, err := parseBucket(o.bucket)
	if err != nil {
		return err
	}
	if bucket > 3600 {
		return usagef("--bucket %s: spike buckets are at most 1h", o.bucket)
	}
	base, err := spike.ParseBaseline(o.baseline)
	if err != nil {
		return err
	}
	if base.Kind == spike.History && o.history == "" {
		return usagef("--baseline %s needs --history DIR", o.baseline)
	}
	dims, err := parseDims(o.dims)
	if err != nil {
		return err
	}
	popts, cl, err := o.pipelineOptions(fs.Args(), env)
	if err != nil {
		return err
	}
	loc := popts.Ingest.TZ

	// The cube keeps every localization dim and the merchant (to count
	// merchants), with the terminals and codes of the declines.
	cubeDims := dims
	if !containsField(cubeDims, record.MerchantID) {
		cubeDims = append(append([]record.Field{}, dims...), record.MerchantID)
	}
	fullCube := report.CubeOptions{Dims: cubeDims, Bucket: bucket, TZ: loc, Codes: true, Terminals: true}
	popts.Cubes = []report.CubeOptions{fullCube}
	// Detection needs only the buckets' totals. Counting every leaf of a
	// whole day to investigate one hour of it took 3 GB for 5M rows, so
	// when the inputs can be read again, the first pass counts totals and
	// a second pass reads only the window and its baseline in full.
	twoPass := o.window == "" && !readsStdin(popts.Inputs)
	if twoPass {
		popts.Cubes = []report.CubeOptions{{Bucket: bucket, TZ: loc}}
	}

	var win spike.Range
	var baseRanges []spike.Range
	if o.window != "" {
		r, err := parseWindow("--window", o.window, loc)
		if err != nil {
			return err
		}
		win = spike.Range{From: r.From, To: r.To}
		baseRanges = base.Ranges(win, loc)
		keep := []ingest.TimeRange{{From: win.From, To: win.To}}
		if base.Kind != spike.History {
			for _, b := range baseRanges {
				keep = append(keep, ingest.TimeRange{From: b.From, To: b.To})
			}
		}
		popts.Ingest.Keep = keep
	} else if base.Kind != spike.Prev {
		return usagef("--baseline %s needs --window (detection compares each bucket with the buckets before it)", o.baseline)
	}
	sess, err := o.start(&popts, false)
	if err != nil {
		return err
	}
	defer sess.close()
	start := time.Now()
	res, err := sess.run(ctx, env, popts)
	if err != nil {
		return err
	}
	set, rej := sess.set, sess.rej
	cube := res.Cubes[0]

	var detected *spike.Anomaly
	if o.window == "" {
		detected = spike.Detect(cube, spike.DetectOptions{MinAttempts: o.minAttempts})
		if detected == nil {
			log.Info("no anomalous bucket", "bucket", o.bucket, "min_attempts", o.minAttempts)
		} else {
			win, baseRanges = detected.Window, []spike.Range{detected.Baseline}
			log.Info("anomaly detected", "window", win.Format(loc), "cause", detected.Cause, "z", detected.Z, "rate", detected.Rate, "baseline_rate", detected.BaseRate)
			if twoPass {
				// The rows were counted, rejected and summarized by the
				// first pass; this one only fills the cube.
				p2 := popts
				p2.Cubes = []report.CubeOptions{fullCube}
				p2.Ingest.Keep = []ingest.TimeRange{{From: win.From, To: win.To}, {From: detected.Baseline.From, To: detected.Baseline.To}}
				p2.OnReject, p2.RowsDone, p2.Ingest.ReadBytes = nil, nil, nil
				res2, err := pipeline.Run(ctx, p2)
				if err != nil {
					return err
				}
				cube = res2.Cubes[0]
			}
		}
	}

	var result *spike.Result
	if detected != nil || o.window != "" {
		var baseCube *report.Cube
		if base.Kind == spike.History {
			if baseCube, err = readHistoryBaseline(ctx, o.history, baseRanges, dims, loc); err != nil {
				return err
			}
		} else if err := checkCoverage(cube, baseRanges, bucket, base, loc); err != nil {
			return err
		}
		result, err = spike.Analyze(cube, baseCube, spike.Options{Window: win, Baseline: baseRanges, Dims: dims})
		if err != nil {
			return err
		}
	}

	sum := buildSummary(res, cl, generated, append([]string{"analyze", "spike"}, args...), loc)
	doc := spikeDocument(result, base, detected, loc, cl, lang)
	fired := alert.Check(alerts, spikeMetrics(result))
	if set != nil {
		if err := writeSpike(set, doc, alerts, fired); err != nil {
			return err
		}
		if len(reportFormats) > 0 {
			st := report.Table{Name: "spike", Columns: spikeColumns, Kinds: spikeKinds, Rows: spikeRows(doc)}
			d := &report.Document{Lang: lang, Summary: sum, Tables: res.Agg.Tables(), Causes: causeInfos(cl, lang), Spike: &st, Top: o.top}
			if doc.Window != "" {
				d.Window = doc.Window
			}
			if err := set.WriteReports(d, reportFormats); err != nil {
				return err
			}
		}
		if err := set.WriteSummary(sum); err != nil {
			return err
		}
		if err := set.Commit(); err != nil {
			return err
		}
	} else {
		writeSpikeText(env.Stdout, doc, o.top)
	}
	rej.log(log, res.Rejected)
	log.Info("spike finished", "rows_read", res.RowsRead, "rows_filtered", res.Filtered, "findings", len(doc.Findings),
		"seconds", time.Since(start).Seconds())
	logAlerts(log, fired)
	return endStatus(log, res, o.maxRejectRate, fired)
}

// readsStdin reports whether an input is standard input, which cannot be
// read twice.
func readsStdin(inputs []ingest.Input) bool {
	for _, in := range inputs {
		if in.Path == "-" {
			return true
		}
	}
	return false
}

func parseDims(s string) ([]record.Field, error) {
	var out []record.Field
	for _, name := range strings.Split(s, ",") {
		f, ok := record.FieldByName(strings.TrimSpace(name))
		if !ok {
			return nil, usagef("--dims %q: unknown field %q", s, name)
		}
		switch f {
		case record.RespCode, record.RespSubcode, record.RespMsg, record.TxnTime, record.Amount, record.TxnType, record.TxnID, record.PAN, record.Bucket:
			return nil, usagef("--dims %q: %s cannot split attempts (outcome, time, amount and id fields are not dimensions)", s, f)
		}
		if containsField(out, f) {
			return nil, usagef("--dims %q: %s given twice", s, f)
		}
		out = append(out, f)
	}
	return out, nil
}

func containsField(fs []record.Field, f record.Field) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

// checkCoverage refuses a baseline the input does not cover: each baseline
// period must have rows in its first and its last bucket.
func checkCoverage(c *report.Cube, ranges []spike.Range, bucket int64, base spike.Baseline, loc *time.Location) error {
	has := map[int64]bool{}
	for _, cell := range c.Cells() {
		has[cell.Bucket] = true
	}
	for _, r := range ranges {
		first, last := c.BucketStart(r.From), c.BucketStart(r.To-1)
		if !has[first] || !has[last] {
			return usagef("the input does not cover the baseline %s (%s): no rows in its %s; give the exports of that period or another --baseline",
				base, r.Format(loc), missingEnd(has[first], has[last]))
		}
	}
	return nil
}

func missingEnd(first, last bool) string {
	switch {
	case !first && !last:
		return "first and last buckets"
	case !first:
		return "first bucket"
	}
	return "last bucket"
}

// readHistoryBaseline reads the baseline buckets from the history store;
// every day they fall on must be there.
func readHistoryBaseline(ctx context.Context, dir string, ranges []spike.Range, dims []record.Field, loc *time.Location) (*report.Cube, error) {
	for _, d := range dims {
		if !containsField(history.Dims, d) {
			return nil, usagef("--dims: %s is not kept in the history store (it keeps %v)", d, history.Dims)
		}
	}
	have, err := history.Dates(dir)
	if err != nil {
		return nil, err
	}
	var dates, missing []string
	for _, r := range ranges {
		for t := r.From; t < r.To; t = time.Unix(t, 0).In(loc).AddDate(0, 0, 1).Unix() {
			d := time.Unix(t, 0).In(loc).Format("2006-01-02")
			if len(dates) == 0 || dates[len(dates)-1] != d {
				dates = append(dates, d)
			}
		}
		if d := time.Unix(r.To-1, 0).In(loc).Format("2006-01-02"); dates[len(dates)-1] != d {
			dates = append(dates, d)
		}
	}
	for _, d := range dates {
		if !containsString(have, d) {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		return nil, usagef("--history %s does not cover the baseline: no partition for %s", dir, strings.Join(missing, ", "))
	}
	c := report.NewCube(history.CubeOptions(0, loc))
	keep := func(b int64) bool {
		for _, r := range ranges {
			if b >= r.From && b < r.To {
				return true
			}
		}
		return false
	}
	if err := history.Read(ctx, dir, dates, keep, c); err != nil {
		return nil, err
	}
	return c, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// spikeDoc is spike.json.
type spikeDoc struct {
	Window   string       `json:"window"`
	Baseline string       `json:"baseline"`
	Periods  []string     `json:"baseline_periods"`
	Detected *detectedDoc `json:"detected,omitempty"`
	Before   periodDoc    `json:"before"`
	After    periodDoc    `json:"after"`
	Findings []findingDoc `json:"findings"`
}

type detectedDoc struct {
	Cause    string  `json:"cause,omitempty"`
	Z        float64 `json:"z"`
	PValue   float64 `json:"p_value"`
	Rate     float64 `json:"rate"`
	BaseRate float64 `json:"baseline_rate"`
	Tests    int     `json:"tests"`
}

type periodDoc struct {
	Attempts    int64   `json:"attempts"`
	Declines    int64   `json:"declines"`
	DeclineRate float64 `json:"decline_rate"`
}

type findingDoc struct {
	Key            string             `json:"key"`
	Combination    map[string]string  `json:"combination"`
	RateBefore     float64            `json:"rate_before"`
	RateAfter      float64            `json:"rate_after"`
	AttemptsBefore int64              `json:"attempts_before"`
	AttemptsAfter  int64              `json:"attempts_after"`
	DeclinesBefore int64              `json:"declines_before"`
	DeclinesAfter  int64              `json:"declines_after"`
	ExplainedShare float64            `json:"explained_share"`
	PValue         float64            `json:"p_value"`
	Merchants      int                `json:"merchants"`
	Terminals      int                `json:"terminals"`
	Causes         []spike.CauseCount `json:"causes"`
	Codes          []spike.CauseCount `json:"codes"`
	Remedy         string             `json:"remedy,omitempty"`
	FirstBucket    string             `json:"first_bucket,omitempty"`
	RootCause      bool               `json:"root_cause"`
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func spikeDocument(r *spike.Result, base spike.Baseline, det *spike.Anomaly, loc *time.Location, cl *classify.Classifier, lang string) *spikeDoc {
	doc := &spikeDoc{Baseline: base.String(), Findings: []findingDoc{}, Periods: []string{}}
	if det != nil {
		doc.Detected = &detectedDoc{Cause: det.Cause, Z: round6(det.Z), PValue: det.P, Rate: round6(det.Rate), BaseRate: round6(det.BaseRate), Tests: det.Tests}
	}
	if r == nil {
		return doc
	}
	doc.Window = r.Window.Format(loc)
	for _, b := range r.Baseline {
		doc.Periods = append(doc.Periods, b.Format(loc))
	}
	doc.Before = periodDoc{int64(r.Before.Attempts), int64(r.Before.Declines), round6(r.Before.Rate())}
	doc.After = periodDoc{int64(r.After.Attempts), int64(r.After.Declines), round6(r.After.Rate())}
	remedies := map[string]string{}
	for _, c := range cl.Catalogue() {
		remedies[c.ID.String()] = c.Remedy(lang)
	}
	for _, f := range r.Findings {
		fd := findingDoc{Key: f.Key, Combination: map[string]string{},
			RateBefore: round6(f.Before.Rate()), RateAfter: round6(f.After.Rate()),
			AttemptsBefore: int64(f.Before.Attempts), AttemptsAfter: int64(f.After.Attempts),
			DeclinesBefore: int64(f.Before.Declines), DeclinesAfter: int64(f.After.Declines),
			ExplainedShare: round6(f.ExplainedShare), PValue: f.PValue,
			Merchants: f.Merchants, Terminals: f.Terminals, Causes: f.Causes, Codes: f.Codes,
			Remedy: remedies[f.DominantCause()], RootCause: f.RootCause}
		for _, p := range f.Combination {
			fd.Combination[p.Dim] = p.Value
		}
		if fd.Causes == nil {
			fd.Causes = []spike.CauseCount{}
		}
		if fd.Codes == nil {
			fd.Codes = []spike.CauseCount{}
		}
		if f.FirstBucket != 0 {
			fd.FirstBucket = time.Unix(f.FirstBucket, 0).In(loc).Format(time.RFC3339)
		}
		doc.Findings = append(doc.Findings, fd)
	}
	return doc
}

func spikeMetrics(r *spike.Result) alert.Metrics {
	m := alert.Metrics{CauseDeclines: map[string]int64{}, CauseExplained: map[string]float64{}}
	if r == nil {
		return m
	}
	m.Attempts, m.Declines = int64(r.After.Attempts), int64(r.After.Declines)
	for _, f := range r.Findings {
		if !f.RootCause {
			continue
		}
		if !m.HasExplained || f.ExplainedShare > m.ExplainedShare {
			m.ExplainedShare, m.HasExplained = f.ExplainedShare, true
		}
		if c := f.DominantCause(); c != "" && f.ExplainedShare > m.CauseExplained[c] {
			m.CauseExplained[c] = f.ExplainedShare
		}
	}
	for o := record.SystemMaintenance; o < record.NumOutcomes; o++ {
		if n := r.CausesAfter[o]; n > 0 {
			m.CauseDeclines[o.String()] = n
		}
	}
	return m
}

// spikeColumns are spike.csv's columns.
var spikeColumns = []string{"rank", "key", "root_cause", "rate_before", "rate_after", "attempts_before", "attempts_after",
	"declines_before", "declines_after", "explained_share", "p_value", "merchants", "terminals", "causes", "codes", "first_bucket", "remedy"}

var spikeKinds = []report.ColKind{report.ColInt, report.ColString, report.ColString, report.ColRate, report.ColRate, report.ColInt, report.ColInt,
	report.ColInt, report.ColInt, report.ColRate, report.ColString, report.ColInt, report.ColInt, report.ColString, report.ColString, report.ColString, report.ColString}

func spikeRows(doc *spikeDoc) [][]string {
	var rows [][]string
	f6 := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	for i, f := range doc.Findings {
		var causes, codes []string
		for _, c := range f.Causes {
			causes = append(causes, fmt.Sprintf("%s:%d", c.Cause, c.Declines))
		}
		for _, c := range f.Codes {
			codes = append(codes, fmt.Sprintf("%s:%d", c.Code, c.Declines))
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), f.Key, strconv.FormatBool(f.RootCause), f6(f.RateBefore), f6(f.RateAfter),
			itoa64(f.AttemptsBefore), itoa64(f.AttemptsAfter), itoa64(f.DeclinesBefore), itoa64(f.DeclinesAfter),
			f6(f.ExplainedShare), strconv.FormatFloat(f.PValue, 'g', 4, 64), strconv.Itoa(f.Merchants), strconv.Itoa(f.Terminals),
			strings.Join(causes, ";"), strings.Join(codes, ";"), f.FirstBucket, f.Remedy})
	}
	return rows
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

func writeSpike(set *report.OutputSet, doc *spikeDoc, alerts []alert.Rule, fired []alert.Fired) error {
	w, err := set.Create("spike.json")
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err == nil {
		_, err = w.Write(append(data, '\n'))
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	w, err = set.Create("spike.csv")
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(spikeColumns)
	cw.WriteAll(spikeRows(doc))
	if err := cw.Error(); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if len(alerts) > 0 {
		return writeAlerts(set, fired)
	}
	return nil
}

func writeSpikeText(w io.Writer, doc *spikeDoc, top int) {
	if doc.Window == "" {
		fmt.Fprintln(w, "no anomalous bucket found: nothing to investigate")
		return
	}
	fmt.Fprintf(w, "window   %s\nbaseline %s (%s)\n", doc.Window, doc.Baseline, strings.Join(doc.Periods, ", "))
	if d := doc.Detected; d != nil {
		scope := "the decline rate"
		if d.Cause != "" {
			scope = d.Cause + "'s share of the decline rate"
		}
		fmt.Fprintf(w, "detected: %s rose from %.2f%% to %.2f%% (z %.1f)\n", scope, 100*d.BaseRate, 100*d.Rate, d.Z)
	}
	fmt.Fprintf(w, "decline rate %.2f%% -> %.2f%% (attempts %d -> %d, declines %d -> %d)\n\n",
		100*doc.Before.DeclineRate, 100*doc.After.DeclineRate, doc.Before.Attempts, doc.After.Attempts, doc.Before.Declines, doc.After.Declines)
	if len(doc.Findings) == 0 {
		fmt.Fprintln(w, "no combination explains the change")
		return
	}
	cells := [][]string{{"#", "root", "combination", "rate before -> after", "attempts", "declines", "explains", "p", "merchants", "terminals", "top cause", "since"}}
	for i, f := range doc.Findings {
		if i == top {
			break
		}
		root := ""
		if f.RootCause {
			root = "*"
		}
		cause := ""
		if len(f.Causes) > 0 {
			cause = fmt.Sprintf("%s (%.0f%%)", f.Causes[0].Cause, 100*f.Causes[0].Share)
		}
		since := f.FirstBucket
		if len(since) >= 16 {
			since = since[11:16]
		}
		cells = append(cells, []string{strconv.Itoa(i + 1), root, strings.ReplaceAll(f.Key, "&", " & "),
			fmt.Sprintf("%.2f%% -> %.2f%%", 100*f.RateBefore, 100*f.RateAfter),
			fmt.Sprintf("%d -> %d", f.AttemptsBefore, f.AttemptsAfter), fmt.Sprintf("%d -> %d", f.DeclinesBefore, f.DeclinesAfter),
			fmt.Sprintf("%.0f%%", 100*f.ExplainedShare), strconv.FormatFloat(f.PValue, 'g', 2, 64),
			strconv.Itoa(f.Merchants), strconv.Itoa(f.Terminals), cause, since})
	}
	report.WriteAligned(w, cells, nil)
	for i, f := range doc.Findings {
		if i == top {
			break
		}
		if f.RootCause && f.Remedy != "" {
			fmt.Fprintf(w, "\n#%d what to do: %s", i+1, f.Remedy)
		}
	}
	fmt.Fprintln(w)
}
