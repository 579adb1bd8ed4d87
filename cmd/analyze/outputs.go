package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/payops/analyze/pkg/alert"
	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// causeInfos is the catalogue of the active rules in lang, for the reports.
func causeInfos(cl *classify.Classifier, lang string) []report.CauseInfo {
	var out []report.CauseInfo
	for _, c := range cl.Catalogue() {
		out = append(out, report.CauseInfo{ID: c.ID.String(), Label: c.Label(lang), WhoActs: c.WhoActs, Retry: c.Retry, Remedy: c.Remedy(lang)})
	}
	return out
}

// machineTables are the breakdowns as csv, json and parquet write them: a
// cause_label column in lang after every table with a cause, and in
// by_cause who acts, the retry class and what to do. Only appended, so
// the older columns keep their places.
func machineTables(tables []report.Table, causes []report.CauseInfo) []report.Table {
	labels := report.CauseLabels(causes)
	byID := map[string]report.CauseInfo{}
	for _, c := range causes {
		byID[c.ID] = c
	}
	out := make([]report.Table, len(tables))
	for i, t := range tables {
		t = report.WithCauseLabels(t, labels)
		if t.Name == "by_cause" {
			t = appendCauseColumns(t, byID)
		}
		out[i] = t
	}
	return out
}

func appendCauseColumns(t report.Table, byID map[string]report.CauseInfo) report.Table {
	ci := t.Col("cause")
	if ci < 0 {
		return t
	}
	return report.AppendColumns(t, append(slices.Clone(t.Columns), "who_acts", "retry", "remedy"),
		append(slices.Clone(t.Kinds), report.ColString, report.ColString, report.ColString),
		func(r, dst []string) []string {
			c := byID[r[ci]]
			return append(dst, strings.Join(c.WhoActs, ";"), c.Retry, c.Remedy)
		})
}

// unmappedTable is unmapped.csv: the codes no rule classified, most
// frequent first, with the first row that had each.
func unmappedTable(u *classify.Unmapped) report.Table {
	t := report.Table{Name: "unmapped",
		Columns: []string{"namespace", "code", "subcode", "message", "count", "example"},
		Kinds:   []report.ColKind{report.ColString, report.ColString, report.ColString, report.ColString, report.ColInt, report.ColString}}
	if u == nil {
		return t
	}
	for _, r := range u.Rows() {
		t.Rows = append(t.Rows, []string{r.Namespace.String(), r.Code, r.Subcode, r.Message,
			strconv.FormatInt(r.Count, 10), fmt.Sprintf("%s:%d", r.File, r.Line)})
	}
	return t
}

// writeExplain prints, per outcome, the sample rows with the rule that
// decided each and why.
func writeExplain(w io.Writer, res *pipeline.Result, cl *classify.Classifier, lang string) {
	fmt.Fprintln(w, "\nEXPLAIN: sample rows per outcome, first in input order")
	for o := record.Outcome(0); o < record.NumOutcomes; o++ {
		samples := res.Samples[o]
		if len(samples) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%s)\n", o, cl.Label(o, lang))
		for _, s := range samples {
			e := cl.Explain(s.Row)
			r := s.Row
			fmt.Fprintf(w, "  %s:%d  code=%s sub=%s method=%s channel=%s model=%s fw=%s mcc=%s region=%s msg=%q\n",
				s.File, s.Line, r.Code, r.Subcode, r.PaymentMethod, r.Channel, r.TerminalModel, r.TerminalFirmware, r.MCC, r.Region, record.MaskPANs(r.Msg))
			for _, l := range e.Lines() {
				fmt.Fprintf(w, "    %s\n", record.MaskPANs(l))
			}
		}
	}
}

// reportSet is what run and merge write: the breakdowns, unmapped.csv,
// report.html/xlsx, alerts.json when alerts were asked for, and
// summary.json last.
type reportSet struct {
	sum        *report.Summary
	tables     []report.Table
	causes     []report.CauseInfo
	unmapped   report.Table
	timeseries *report.Table // for the HTML chart; nil: none
	alerts     bool          // --alert was given: write alerts.json
	fired      []alert.Fired
}

// write stages the set in out and commits it, or, without out, prints the
// tables for a terminal.
func (rs *reportSet) write(out *report.OutputSet, stdout io.Writer, cf commonFlags, top int, bom bool) error {
	if out == nil {
		return report.WriteText(stdout, rs.sum, rs.tables, report.TextOptions{Top: top, Lang: cf.lang, CauseLabels: report.CauseLabels(rs.causes)})
	}
	wopts := report.WriteOptions{CSVBOM: bom}
	if err := out.WriteTables(machineTables(rs.tables, rs.causes), cf.tableFormats, wopts); err != nil {
		return err
	}
	if err := out.WriteTables([]report.Table{rs.unmapped}, []string{"csv"}, wopts); err != nil {
		return err
	}
	if len(cf.reportFormats) > 0 {
		doc := &report.Document{Lang: cf.lang, Summary: rs.sum, Tables: rs.tables, Causes: rs.causes, Unmapped: &rs.unmapped, Timeseries: rs.timeseries, Top: top}
		if err := out.WriteReports(doc, cf.reportFormats); err != nil {
			return err
		}
	}
	if rs.alerts {
		if err := writeAlerts(out, rs.fired); err != nil {
			return err
		}
	}
	if err := out.WriteSummary(rs.sum); err != nil {
		return err
	}
	return out.Commit()
}
