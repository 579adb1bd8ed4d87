package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/partial"
	"github.com/payops/analyze/pkg/report"
)

const mergeHelp = `analyze merge: merge partial outputs into the reports of one run

USAGE
  analyze merge [flags] DIR...

Each DIR is the partial output of one run over a shard of the input
(analyze run --partial-out DIR, or the Beam pipeline). The merge writes the
reports one run over all the shards' inputs would have written, byte for
byte: the breakdowns, summary.json (inputs listed by path), rejects.csv and
unmapped.csv (in input path order). Only summary.json's command and
generated_at differ.

The partial outputs must agree on --by, --bucket, --tz, --from/--to and the
rules; pass the same --rules, --capabilities, --acquirer and
--no-default-rules the runs had, since the catalogue's labels come from
them. A partial output that lists an input another one lists too (same path
and SHA-256) is refused: its rows would count twice.

Repeated txn_ids are dropped within each shard only, so split the input
such that a transaction and its repeat are in the same shard (by export
file, as acquirers deliver them).

CLASSIFICATION (must match the runs)
      --rules FILE         a rules file or code table; repeatable
      --capabilities FILE  terminal capability table; repeatable
      --acquirer NAME      an acquirer profile of the rules
      --no-default-rules   drop the embedded codes and rules

OUTPUT
  -o, --out DIR            write the report set into DIR (default: tables on stdout)
  -f, --format LIST        csv,json,parquet,html,xlsx (default csv,json); summary.json,
                           rejects.csv and unmapped.csv always; html charts the decline
                           rate over time only when the runs had --bucket
      --lang en|zh         language of labels (default en)
      --top N              rows per table on stdout (default 10)
      --csv-bom            start CSV files with a UTF-8 BOM (for Excel)
      --now TIME           generation time to record (RFC 3339), for reproducible reports

RUNNING
      --max-reject-rate R  exit 3 when rejected/read over all shards exceeds R (default 0.01)
      --log-format F       text (default) or json log lines on stderr
  -q, --quiet              log warnings and errors only

EXAMPLES
  ls exports/*.csv.gz | xargs -P 8 -I{} \
      sh -c 'analyze run -q --bucket 1h --partial-out "parts/$(basename "$1")" "$1"' _ {}
  analyze merge -o out/ parts/*

` + exitStatusHelp + `
`

func mergeCmd(ctx context.Context, args []string, env *Env) error {
	var o runOptions
	fs := newFlagSet("merge", mergeHelp, env)
	fs.StringArrayVar(&o.rules, "rules", nil, "")
	fs.StringArrayVar(&o.capabilities, "capabilities", nil, "")
	fs.StringVar(&o.acquirer, "acquirer", "", "")
	fs.BoolVar(&o.noDefaultRules, "no-default-rules", false, "")
	fs.StringVarP(&o.out, "out", "o", "", "")
	fs.StringSliceVarP(&o.formats, "format", "f", []string{"csv", "json"}, "")
	fs.StringVar(&o.lang, "lang", "en", "")
	fs.IntVar(&o.top, "top", 10, "")
	fs.BoolVar(&o.csvBOM, "csv-bom", false, "")
	fs.StringVar(&o.now, "now", "", "")
	fs.Float64Var(&o.maxRejectRate, "max-reject-rate", 0.01, "")
	fs.StringVar(&o.logFormat, "log-format", "text", "")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "")
	if err := parseFlags(fs, args, env, mergeHelp); err != nil {
		return err
	}
	cf, err := o.common(fs, env, "merge", "DIR")
	if err != nil {
		return err
	}
	log, lang := cf.log, cf.lang
	generated, err := o.generatedAt(env)
	if err != nil {
		return err
	}
	cl, err := classify.New(classify.Options{RulesFiles: o.rules, CapabilitiesFiles: o.capabilities, Acquirer: o.acquirer, NoDefaultRules: o.noDefaultRules})
	if err != nil {
		return err
	}
	m, err := partial.Read(ctx, fs.Args())
	if err != nil {
		return err
	}
	if v := cl.Version(); v != m.Meta.RulesVersion {
		return usagef("the partial outputs were classified with rules %s, these rules are %s: pass the --rules, --capabilities, --acquirer and --no-default-rules of the runs", m.Meta.RulesVersion, v)
	}
	res := m.Result

	sum := buildSummary(res, cl, generated, append([]string{"analyze", "merge"}, args...), m.Loc)
	if f := m.Meta.Filter; f != nil {
		sum.Filter = &report.TimeFilter{From: f.From, To: f.To}
	}
	tables := res.Agg.Tables()
	if m.Meta.Bucket > 0 {
		tables = append(tables, report.TimeseriesTable(res.Cubes[0]))
	}

	var set *report.OutputSet
	if o.out != "" {
		if set, err = report.NewOutputSet(o.out); err != nil {
			return err
		}
		defer set.Abort() // a no-op after Commit
	}
	rej, err := newRejectLog(set, o.csvBOM)
	if err != nil {
		return err
	}
	if err := m.EachReject(rej.add); err != nil {
		return err
	}
	if err := rej.close(); err != nil {
		return err
	}
	rs := &reportSet{sum: sum, tables: tables, causes: causeInfos(cl, lang), unmapped: mergedUnmappedTable(m.Unmapped)}
	if m.Meta.Bucket > 0 {
		// a run without --bucket charts hourly buckets of its own,
		// which partial outputs without a bucket do not carry
		ts := report.TimeseriesTable(res.Cubes[0])
		rs.timeseries = &ts
	}
	if err := rs.write(set, env.Stdout, cf, o.top, o.csvBOM); err != nil {
		return err
	}

	rej.log(log, res.Rejected)
	for _, in := range res.Inputs {
		if in.Err != nil {
			log.Warn("file skipped", "file", in.Path, "error", in.Err.Error())
		}
	}
	log.Info("merge finished", "partials", fs.NArg(), "files", len(res.Inputs), "rows_read", res.RowsRead,
		"rows_classified", res.Classified, "rows_rejected", res.Rejected, "out", o.out)
	return endStatus(log, res, o.maxRejectRate, nil)
}

// mergedUnmappedTable is unmapped.csv from the merged rows: unmappedTable's
// columns, since a classify.Unmapped cannot be rebuilt from rows.
func mergedUnmappedTable(rows []classify.UnmappedRow) report.Table {
	t := unmappedTable(nil)
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.Namespace.String(), r.Code, r.Subcode, r.Message,
			strconv.FormatInt(r.Count, 10), fmt.Sprintf("%s:%d", r.File, r.Line)})
	}
	return t
}
