package report_test

import (
	"bytes"
	"testing"

	"github.com/payops/analyze/pkg/report"
)

// TestCauseLabelGolden writes the machine formats the way --lang zh does:
// the stable ids and columns stay, a cause_label (top_cause_label) column
// in Chinese is appended. Compared with testdata/*.zh.golden.{csv,json}.
func TestCauseLabelGolden(t *testing.T) {
	d := sampleDoc(t, "zh")
	labels := report.CauseLabels(d.Causes)
	for _, tc := range []struct{ table, format string }{
		{"by_cause", "csv"},
		{"terminal_models", "json"},
	} {
		var tb *report.Table
		for i := range d.Tables {
			if d.Tables[i].Name == tc.table {
				tb = &d.Tables[i]
			}
		}
		if tb == nil {
			t.Fatalf("no table %s", tc.table)
		}
		lt := report.WithCauseLabels(*tb, labels)
		var buf bytes.Buffer
		var err error
		if tc.format == "csv" {
			err = report.WriteCSV(&buf, &lt, false)
		} else {
			err = report.WriteJSON(&buf, &lt)
		}
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, tc.table+".zh.golden."+tc.format, buf.Bytes())
	}
}
