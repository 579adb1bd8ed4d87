package report_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/pipeline"
	"github.com/payops/analyze/pkg/report"
)

// sampleNow is the fixed generation time of the golden reports (--now).
const sampleNow = "2026-11-22T06:00:00+08:00"

// updating reports whether -update was given. The flag is defined by the
// package's internal tests (aggregator_test.go), which share this binary.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// sampleDoc runs the pipeline over ../../samples the way `analyze run
// --bucket 1h --now sampleNow` does and builds the report document in
// lang, with hand-made unmapped and spike tables (the pipeline does not
// produce those yet; they exercise the renderers' generic tables).
func sampleDoc(t testing.TB, lang string) *report.Document {
	t.Helper()
	inputs, err := ingest.Expand([]string{"../../samples"})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := classify.New(classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Run(context.Background(), pipeline.Options{
		Inputs: inputs, Classifier: cl, Ingest: ingest.Options{TZ: loc}, Workers: 2,
		Cubes: []report.CubeOptions{{Bucket: 3600, TZ: loc}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := &report.Summary{
		// fixed versions: the rules' hash changes with every edit of
		// rules.toml, which need not change a single report cell
		Version: "test", RulesVersion: "test-rules", GeneratedAt: sampleNow,
		Command:  []string{"analyze", "run", "-o", "out", "-f", "html,xlsx", "--lang", lang, "--bucket", "1h", "--now", sampleNow, "samples/"},
		RowsRead: res.RowsRead, RowsClassified: res.Classified, RowsRejected: res.Rejected, RowsFiltered: res.Filtered,
		Duplicates: res.Duplicates, UnknownValues: res.Unknown,
	}
	for _, in := range res.Inputs {
		sum.Inputs = append(sum.Inputs, report.InputSummary{Path: strings.TrimPrefix(in.Path, "../../"), Size: in.Size, SHA256: in.SHA256, Rows: in.Rows})
	}
	res.Agg.FillSummary(sum)
	var causes []report.CauseInfo
	for _, c := range cl.Catalogue() {
		causes = append(causes, report.CauseInfo{ID: c.ID.String(), Label: c.Label(lang), WhoActs: c.WhoActs, Retry: c.Retry, Remedy: c.Remedy(lang)})
	}
	ts := report.TimeseriesTable(res.Cubes[0])
	// as cmd/analyze's buildSummary fills it; the documents take the
	// window from the summary
	if res.HasTimeRange {
		sum.Window = &report.TimeWindow{First: time.Unix(res.TimeMin, 0).In(loc).Format(time.RFC3339),
			Last: time.Unix(res.TimeMax, 0).In(loc).Format(time.RFC3339)}
	}
	return &report.Document{
		Lang: lang, Summary: sum, Tables: res.Agg.Tables(), Causes: causes, Timeseries: &ts,
		Unmapped: &report.Table{Name: "unmapped",
			Columns: []string{"namespace", "code", "subcode", "message", "count", "file", "line"},
			Kinds: []report.ColKind{report.ColString, report.ColString, report.ColString, report.ColString, report.ColInt,
				report.ColString, report.ColInt},
			Rows: [][]string{
				{"cup", "Q9", "", "交易异常<请重试>", "41", "samples/canonical.csv", "1207"},
				{"alipay", "40004", "ACQ.NEW_CODE", "", "21", "samples/export.parquet", "88"},
			}},
		Spike: &report.Table{Name: "spike",
			Columns: []string{"key", "rate_before", "rate_after", "attempts_before", "attempts_after", "explained_share", "p_value", "root_cause"},
			Kinds: []report.ColKind{report.ColString, report.ColRate, report.ColRate, report.ColInt, report.ColInt,
				report.ColRate, report.ColRate, report.ColString},
			Rows: [][]string{{"terminal_model=PAX A920", "0.081000", "0.412000", "1200", "310", "0.730000", "0.000001", "terminal_incompatible"}}},
	}
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updating() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		g, w := string(got), string(want)
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		line := strings.Count(g[:i], "\n") + 1
		t.Errorf("%s differs from the golden file from line %d:\n got: %.200q\nwant: %.200q\n"+
			"(a change of rules or samples changes the reports too: check the diff, then go test ./pkg/report -update)",
			name, line, g[i:], w[i:])
	}
}
