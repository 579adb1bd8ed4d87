package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/samplegen"
)

// spikeJSON is the part of spike.json the tests read.
type spikeJSON struct {
	Window   string
	Baseline string
	Detected *struct{ Cause string }
	Findings []struct {
		Key            string
		Combination    map[string]string
		RateBefore     float64 `json:"rate_before"`
		RateAfter      float64 `json:"rate_after"`
		ExplainedShare float64 `json:"explained_share"`
		Merchants      int
		Terminals      int
		Causes         []struct{ Cause string }
		FirstBucket    string `json:"first_bucket"`
		RootCause      bool   `json:"root_cause"`
		Remedy         string
	}
}

// The generated day has its incident planted: from 14:00 to 15:00 Huabei
// on Newland ME31 below firmware 2.4 in 广东 fails with 58. The localizer
// must name that combination first, as a root cause.
func TestSpikeFindsThePlantedIncident(t *testing.T) {
	var buf bytes.Buffer
	if err := samplegen.Write(&buf, samplegen.Options{Rows: 120000, Seed: 7, Merchants: 1500}); err != nil {
		t.Fatal(err)
	}
	in := writeTemp(t, "day.csv", buf.String())
	const incident = "payment_method=huabei&region=广东&terminal_model=Newland ME31"

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"window", []string{"--window", "2026-11-21T14:00..2026-11-21T15:00", "-f", "html", "--lang", "zh"}},
		{"detected", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			code, _, stderr := runCLI(t, context.Background(), append(append([]string{"spike", "-q", "-o", out, "--now", "2026-11-22T06:00:00+08:00"}, tc.args...), in)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var doc spikeJSON
			readJSON(t, filepath.Join(out, "spike.json"), &doc)
			if len(doc.Findings) == 0 {
				t.Fatalf("no findings: %+v", doc)
			}
			f := doc.Findings[0]
			if f.Key != incident || !f.RootCause || f.Combination["terminal_model"] != "Newland ME31" {
				t.Errorf("first finding %q (root cause %v), want %q", f.Key, f.RootCause, incident)
			}
			if f.RateAfter < 2*f.RateBefore || f.ExplainedShare < 0.5 || f.Merchants == 0 || f.Terminals < f.Merchants ||
				len(f.Causes) == 0 || f.Causes[0].Cause != "terminal_incompatible" || f.Remedy == "" ||
				!strings.HasPrefix(f.FirstBucket, "2026-11-21T14:0") {
				t.Errorf("first finding: %+v", f)
			}
			if tc.name == "detected" && (doc.Detected == nil || !strings.HasPrefix(doc.Window, "2026-11-21T14:")) {
				t.Errorf("detected window %q, %+v", doc.Window, doc.Detected)
			}
			rows := readCSV(t, filepath.Join(out, "spike.csv"))
			if len(rows) != len(doc.Findings) || rows[0]["key"] != incident || rows[0]["root_cause"] != "true" {
				t.Errorf("spike.csv disagrees with spike.json: %v", rows[:1])
			}
			checkSpikeSummary(t, out)
			if tc.name == "window" {
				html, err := os.ReadFile(filepath.Join(out, "report.html"))
				if err != nil || !strings.Contains(string(html), "Newland ME31") || !strings.Contains(string(html), "升级终端软件") {
					t.Errorf("report.html lacks the findings or the Chinese remedy (%v)", err)
				}
			}
		})
	}

	// From stdin, which cannot be read twice, detection counts every leaf
	// in one pass and finds the same.
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLIStdin(t, context.Background(), buf.String(), "spike", "-q", "-o", out, "-"); code != 0 {
		t.Fatalf("stdin: exit %d: %s", code, stderr)
	}
	var doc spikeJSON
	readJSON(t, filepath.Join(out, "spike.json"), &doc)
	if len(doc.Findings) == 0 || doc.Findings[0].Key != incident {
		t.Errorf("stdin detection: %+v", doc.Findings)
	}

	// The input holds one day: the same window a day earlier is not there.
	code, _, stderr := runCLI(t, context.Background(), "spike", "-q", "--window", "2026-11-21T14:00..2026-11-21T15:00", "--baseline", "1d", in)
	if code != exitUsage || !strings.Contains(stderr, "does not cover the baseline 1d") {
		t.Errorf("baseline outside the input: exit %d, %s", code, stderr)
	}
}

func checkSpikeSummary(t *testing.T, out string) {
	t.Helper()
	var sum struct {
		RowsRead       int64 `json:"rows_read"`
		RowsClassified int64 `json:"rows_classified"`
		RowsRejected   int64 `json:"rows_rejected"`
		RowsFiltered   int64 `json:"rows_filtered"`
	}
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	if sum.RowsRead == 0 || sum.RowsRead != sum.RowsClassified+sum.RowsRejected+sum.RowsFiltered {
		t.Errorf("summary does not reconcile: %+v", sum)
	}
}

// hourRows writes one hour (14:00-15:00) of 2026-11-DAY: 600 purchases
// over three payment methods and two terminal models, one in 13 declined for
// network; with incident, Huabei on Newland ME31 fails with 58 two times
// in three.
func hourRows(day int, incident bool) string {
	var b strings.Builder
	b.WriteString(csvHeader)
	pms := []string{"花呗", "微信", "credit_card"}
	models := []string{"Newland ME31", "PAX A920"}
	for i := 0; i < 600; i++ {
		pm, model := pms[i%3], models[(i/3)%2]
		code := "00"
		switch {
		case incident && pm == "花呗" && model == "Newland ME31" && (i/6)%3 != 0:
			code = "58"
		case i%13 == 5:
			code = "68"
		}
		fmt.Fprintf(&b, "2026-11-%02d 14:%02d:%02d,D%dX%d,M%d,m,T%d,%s,2.3,被扫,%s,消费,10.00,CNY,%s,,\n",
			day, i/10, (i%10)*6, day, i, i%7, i%11, model, pm, code)
	}
	return b.String()
}

func TestSpikeAgainstHistory(t *testing.T) {
	hist := filepath.Join(t.TempDir(), "history")
	for _, day := range []int{19, 20} {
		in := writeTemp(t, fmt.Sprintf("day%d.csv", day), hourRows(day, false))
		if code, _, stderr := runCLI(t, context.Background(), "run", "-q", "--bucket", "15m", "--history", hist, in); code != 0 {
			t.Fatalf("history run: exit %d: %s", code, stderr)
		}
	}
	today := writeTemp(t, "day21.csv", hourRows(21, true))
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, context.Background(), "spike", "-q", "-o", out, "--window", "2026-11-21T14:00..2026-11-21T15:00",
		"--baseline", "history:2d", "--history", hist, "--alert", "explained_share>0.5", "--alert", "cause:network.declines>1000",
		"--alert", "cause:terminal_incompatible.declines>=50", today)
	if code != exitAlert {
		t.Fatalf("exit %d, want %d (the explained_share alert): %s", code, exitAlert, stderr)
	}
	var doc spikeJSON
	readJSON(t, filepath.Join(out, "spike.json"), &doc)
	if doc.Baseline != "history:2d" || len(doc.Findings) == 0 || doc.Findings[0].Key != "payment_method=huabei&terminal_model=Newland ME31" || !doc.Findings[0].RootCause {
		t.Fatalf("findings against history: %+v", doc)
	}
	var alerts struct{ Alerts []struct{ Expression string } }
	readJSON(t, filepath.Join(out, "alerts.json"), &alerts)
	if len(alerts.Alerts) != 2 || alerts.Alerts[0].Expression != "explained_share>0.5" || alerts.Alerts[1].Expression != "cause:terminal_incompatible.declines>=50" {
		t.Errorf("alerts: %+v", alerts)
	}

	// Three days back reach a day the store does not have.
	code, _, stderr = runCLI(t, context.Background(), "spike", "-q", "--window", "2026-11-21T14:00..2026-11-21T15:00",
		"--baseline", "history:3d", "--history", hist, today)
	if code != exitUsage || !strings.Contains(stderr, "no partition for 2026-11-18") {
		t.Errorf("missing history day: exit %d, %s", code, stderr)
	}

	// An incident-free day against the same history: nothing is a root cause.
	calm := writeTemp(t, "calm21.csv", hourRows(21, false))
	code, _, stderr = runCLI(t, context.Background(), "spike", "-q", "-o", out, "--window", "2026-11-21T14:00..2026-11-21T15:00",
		"--baseline", "history:2d", "--history", hist, calm)
	if code != 0 {
		t.Fatalf("calm day: exit %d: %s", code, stderr)
	}
	readJSON(t, filepath.Join(out, "spike.json"), &doc)
	for _, f := range doc.Findings {
		if f.RootCause {
			t.Errorf("false alarm on a calm day: %+v", f)
		}
	}
}

func TestSpikeUsage(t *testing.T) {
	in := writeTemp(t, "day.csv", hourRows(21, false))
	for _, args := range [][]string{
		{"--window", "2026-11-21T15:00..2026-11-21T14:00"},
		{"--window", "14:00"},
		{"--baseline", "history:7d", "--window", "2026-11-21T14:00..2026-11-21T15:00"},
		{"--baseline", "7d"},
		{"--dims", "resp_code"},
		{"--dims", "payment_method,payment_method"},
		{"--bucket", "1d"},
	} {
		if code, _, _ := runCLI(t, context.Background(), append(append([]string{"spike", "-q"}, args...), in)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
