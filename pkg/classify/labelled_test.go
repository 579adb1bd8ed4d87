package classify

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// TestLabelled runs the labelled fixture testdata/labelled.csv (realistic
// rows from every namespace, with the cause an acquirer engineer gives
// each and why) through the embedded rules plus the test fleet's
// capability table, both through Explain and through a Matcher batch.
func TestLabelled(t *testing.T) {
	rows := readLabelled(t)
	c := mustNew(t, Options{CapabilitiesFiles: []string{"testdata/fleet.toml"}})

	b := &record.Batch{Len: len(rows)}
	for _, f := range []record.Field{record.RespCode, record.RespSubcode, record.PaymentMethod, record.Channel,
		record.TerminalModel, record.TerminalFirmware, record.MCC, record.Region, record.RespMsg} {
		b.Text[f] = make([]string, len(rows))
	}
	for i, r := range rows {
		b.Text[record.RespCode][i] = normCode(r.row.Code)
		b.Text[record.RespSubcode][i] = normCode(r.row.Subcode)
		b.Text[record.PaymentMethod][i] = r.row.PaymentMethod
		b.Text[record.Channel][i] = r.row.Channel
		b.Text[record.TerminalModel][i] = r.row.TerminalModel
		b.Text[record.TerminalFirmware][i] = r.row.TerminalFirmware
		b.Text[record.MCC][i] = r.row.MCC
		b.Text[record.Region][i] = r.row.Region
		b.Text[record.RespMsg][i] = r.row.Msg
	}
	m := c.NewMatcher()
	refs := m.ClassifyBatchRefs(b, nil)
	wrong := 0
	for i, r := range rows {
		e := c.Explain(r.row)
		if e.Outcome != r.want {
			wrong++
			t.Errorf("labelled.csv:%d: %s, want %s (%s)\n    %s", r.line, e.Outcome, r.want, r.why, strings.Join(e.Lines(), "\n    "))
		}
		if b.Outcome[i] != e.Outcome || b.NS[i] != e.Namespace || refs[i] != e.Ref {
			t.Errorf("labelled.csv:%d: matcher %s/%s/%d, explain %s/%s/%d", r.line, b.Outcome[i], b.NS[i], refs[i], e.Outcome, e.Namespace, e.Ref)
		}
	}
	if wrong > 0 {
		t.Logf("%d of %d rows wrong", wrong, len(rows))
	}
}

// TestLabelledCoverage keeps the fixture honest about what it covers.
func TestLabelledCoverage(t *testing.T) {
	rows := readLabelled(t)
	if len(rows) < 300 {
		t.Errorf("%d rows, want at least 300", len(rows))
	}
	c := mustNew(t, Options{CapabilitiesFiles: []string{"testdata/fleet.toml"}})
	ns := map[record.Namespace]int{}
	causes := map[record.Outcome]int{}
	var letters, noCode, lacking, capable, keyword int
	for _, r := range rows {
		e := c.Explain(r.row)
		ns[e.Namespace]++
		causes[r.want]++
		code := normCode(r.row.Code)
		if len(code) == 2 && isUpper(code[0]) {
			letters++
		}
		if code == "" && r.row.Subcode == "" {
			noCode++
		}
		switch e.Capability {
		case "lacking":
			lacking++
		case "capable":
			capable++
		}
		if strings.HasPrefix(e.Decision.ID, "kw-") {
			keyword++
		}
	}
	for n := record.NSNone; n < record.NumNamespaces; n++ {
		if ns[n] == 0 {
			t.Errorf("no row in namespace %q", n)
		}
	}
	for _, o := range append(record.Causes(), record.Approved, record.Pending) {
		if causes[o] == 0 {
			t.Errorf("no row labelled %s", o)
		}
	}
	for what, n := range map[string]int{"letter codes": letters, "rows without a code": noCode, "lacking terminals": lacking,
		"capable terminals": capable, "keyword decisions": keyword} {
		if n < 5 {
			t.Errorf("only %d %s", n, what)
		}
	}
	// The collisions of the reference: the same code, different causes by
	// namespace, all present.
	seen := map[string]map[record.Outcome]bool{}
	for _, r := range rows {
		k := normCode(r.row.Code)
		if seen[k] == nil {
			seen[k] = map[record.Outcome]bool{}
		}
		seen[k][r.want] = true
	}
	for _, code := range []string{"05", "55", "59", "38", "99", "58"} {
		if len(seen[code]) < 2 && code != "05" {
			t.Errorf("collision code %s has only causes %v", code, seen[code])
		}
		if len(seen[code]) == 0 {
			t.Errorf("collision code %s missing", code)
		}
	}
}

type labelledRow struct {
	row  Row
	want record.Outcome
	why  string
	line int
}

func readLabelled(t *testing.T) []labelledRow {
	t.Helper()
	f, err := os.Open("testdata/labelled.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := "resp_code,resp_subcode,resp_msg,channel,payment_method,terminal_model,terminal_firmware,mcc,region,expected,why"
	if strings.Join(recs[0], ",") != want {
		t.Fatalf("labelled.csv header %q", strings.Join(recs[0], ","))
	}
	var out []labelledRow
	for i, rec := range recs[1:] {
		o, ok := record.OutcomeByID(rec[9])
		if !ok {
			t.Fatalf("labelled.csv:%d: unknown expected cause %q", i+2, rec[9])
		}
		if rec[10] == "" {
			t.Errorf("labelled.csv:%d: no why", i+2)
		}
		out = append(out, labelledRow{Row{Code: rec[0], Subcode: rec[1], Msg: rec[2], Channel: rec[3], PaymentMethod: rec[4],
			TerminalModel: rec[5], TerminalFirmware: rec[6], MCC: rec[7], Region: rec[8]}, o, rec[10], i + 2})
	}
	return out
}
