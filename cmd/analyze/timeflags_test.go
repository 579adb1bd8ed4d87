package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dayRows writes n purchases per hour over the given local hours of
// 2026-11-21 (hour 24 and above spill into the 22nd): every fourth declined
// for network (code 96 on a card), the others approved.
func dayRows(t *testing.T, n int, hours ...int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(csvHeader)
	id := 0
	for _, h := range hours {
		day, hh := 21+h/24, h%24
		for i := 0; i < n; i++ {
			code := "00"
			if i%4 == 3 {
				code = "68"
			}
			id++
			fmt.Fprintf(&b, "2026-11-%02d %02d:%02d:00,X%d,M%d,m,T%d,PAX A920,1.0,card_chip,credit_card,purchase,10.00,CNY,%s,,\n",
				day, hh, i%60, id, i%3, i%5, code)
		}
	}
	return b.String()
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestFromToFilterAndBuckets(t *testing.T) {
	in := writeTemp(t, "day.csv", dayRows(t, 8, 13, 14, 15, 16))
	out := t.TempDir()
	code, _, stderr := runCLI(t, context.Background(), "run", "-q", "-o", out, "--from", "2026-11-21T14:00", "--to", "2026-11-21T16:00", "--bucket", "1h",
		"--by", "bucket,payment_method", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkInvariants(t, out)
	var sum struct {
		RowsRead     int64 `json:"rows_read"`
		RowsFiltered int64 `json:"rows_filtered"`
		Attempts     int64 `json:"attempts"`
		Window       struct{ First, Last string }
		Filter       struct{ From, To string }
	}
	readJSON(t, filepath.Join(out, "summary.json"), &sum)
	if sum.RowsRead != 32 || sum.RowsFiltered != 16 || sum.Attempts != 16 {
		t.Errorf("read %d, filtered %d, attempts %d; want 32, 16, 16", sum.RowsRead, sum.RowsFiltered, sum.Attempts)
	}
	if sum.Window.First != "2026-11-21T14:00:00+08:00" || sum.Window.Last != "2026-11-21T15:07:00+08:00" ||
		sum.Filter.From != "2026-11-21T14:00:00+08:00" || sum.Filter.To != "2026-11-21T16:00:00+08:00" {
		t.Errorf("window %+v, filter %+v", sum.Window, sum.Filter)
	}
	ts := readCSV(t, filepath.Join(out, "timeseries.csv"))
	if len(ts) != 2 || ts[0]["bucket_start"] != "2026-11-21T14:00:00+08:00" || ts[0]["attempts"] != "8" ||
		ts[0]["declines_network"] != "2" || ts[0]["share_network"] != "0.250000" || ts[1]["bucket_start"] != "2026-11-21T15:00:00+08:00" {
		t.Errorf("timeseries: %v", ts)
	}

	// --by bucket: the breakdown per hour and payment method
	byBucket := readCSV(t, filepath.Join(out, "by_bucket_payment_method.csv"))
	if len(byBucket) != 2 || byBucket[0]["bucket"] != "2026-11-21T14:00:00+08:00" || byBucket[0]["payment_method"] != "credit_card" ||
		byBucket[0]["declines"] != "2" || byBucket[0]["attempts"] != "8" || byBucket[1]["bucket"] != "2026-11-21T15:00:00+08:00" {
		t.Errorf("by_bucket_payment_method: %v", byBucket)
	}

	for _, args := range [][]string{
		{"--by", "bucket"},
		{"--columns", "bucket=交易时间"},
		{"--from", "yesterday"},
		{"--from", "2026-11-21T15:00", "--to", "2026-11-21T14:00"},
		{"--bucket", "7m"},
		{"--history-keep", "3"},
		{"--alert", "decline_rate>>1"},
		{"--alert", "explained_share>0.5"},
	} {
		if code, _, _ := runCLI(t, context.Background(), append(append([]string{"run", "-q"}, args...), in)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestHistoryStore(t *testing.T) {
	// Two days of rows; the 22nd's run also holds late rows of the 21st.
	in := writeTemp(t, "days.csv", dayRows(t, 8, 10, 11, 34))
	hist := filepath.Join(t.TempDir(), "history")
	run := func(args ...string) {
		t.Helper()
		if code, _, stderr := runCLI(t, context.Background(), append([]string{"run", "-q", "--history", hist, "--now", "2026-11-23T06:00:00+08:00"}, args...)...); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	run(in)
	parts := func() []string {
		m, _ := filepath.Glob(filepath.Join(hist, "*", "*.parquet"))
		for i := range m {
			m[i], _ = filepath.Rel(hist, m[i])
		}
		return m
	}
	if got := strings.Join(parts(), " "); got != "date=2026-11-21/part-00000.parquet date=2026-11-22/part-00000.parquet" {
		t.Fatalf("partitions: %s", got)
	}
	first, _ := os.ReadFile(filepath.Join(hist, "date=2026-11-21", "part-00000.parquet"))
	run(in) // a cron re-run
	again, _ := os.ReadFile(filepath.Join(hist, "date=2026-11-21", "part-00000.parquet"))
	if string(first) != string(again) {
		t.Error("re-running the same input changed the partition")
	}
	ents, _ := os.ReadDir(hist)
	if len(ents) != 2 {
		t.Errorf("store holds %d entries, want the two partitions only", len(ents))
	}
	// Retention counts back from --now (the 23rd): keep 1 day drops the 21st.
	run("--history-keep", "1", in)
	if got := strings.Join(parts(), " "); got != "date=2026-11-22/part-00000.parquet" {
		t.Errorf("after --history-keep 1: %s", got)
	}
}

func TestAlerts(t *testing.T) {
	in := writeTemp(t, "day.csv", dayRows(t, 8, 14)) // 8 attempts, 2 network declines
	for _, tc := range []struct {
		alerts []string
		code   int
		fired  []string
	}{
		{[]string{"decline_rate>0.3"}, 0, nil},
		{[]string{"decline_rate>0.2", "cause:network.declines>=2", "cause:security.declines>0"}, exitAlert, []string{"decline_rate>0.2", "cause:network.declines>=2"}},
		{[]string{"attempts<10"}, exitAlert, []string{"attempts<10"}},
	} {
		out := t.TempDir()
		args := []string{"run", "-q", "-o", out}
		for _, a := range tc.alerts {
			args = append(args, "--alert", a)
		}
		code, _, stderr := runCLI(t, context.Background(), append(args, in)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.alerts, code, tc.code, stderr)
		}
		var doc struct {
			Alerts []struct {
				Expression, Scope string
				Value, Threshold  float64
			}
		}
		readJSON(t, filepath.Join(out, "alerts.json"), &doc)
		var got []string
		for _, a := range doc.Alerts {
			got = append(got, a.Expression)
		}
		if strings.Join(got, "|") != strings.Join(tc.fired, "|") {
			t.Errorf("%v: fired %v, want %v", tc.alerts, got, tc.fired)
		}
		if len(doc.Alerts) > 0 && doc.Alerts[0].Expression == "decline_rate>0.2" && (doc.Alerts[0].Value != 0.25 || doc.Alerts[0].Threshold != 0.2 || doc.Alerts[0].Scope != "all") {
			t.Errorf("alert detail: %+v", doc.Alerts[0])
		}
	}
	// A worse status wins: rejects over the limit (3) beat a fired alert (4).
	bad := writeTemp(t, "bad.csv", csvRows(20, 5))
	if code, _, _ := runCLI(t, context.Background(), "run", "-q", "--alert", "attempts>0", bad); code != exitPartial {
		t.Errorf("rejects and an alert: exit %d, want %d", code, exitPartial)
	}
}
