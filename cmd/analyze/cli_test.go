package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runCLI runs one command line in-process.
func runCLI(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLIStdin(t, ctx, "", args...)
}

func runCLIStdin(t *testing.T, ctx context.Context, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Now: func() time.Time { return time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC) }}
	code = Main(ctx, args, env)
	return code, out.String(), errb.String()
}

const csvHeader = "txn_time,txn_id,merchant_id,merchant_name,terminal_id,terminal_model,terminal_firmware,channel,payment_method,txn_type,amount,currency,resp_code,resp_subcode,pan\n"

func csvRows(n int, bad int) string {
	var b strings.Builder
	b.WriteString(csvHeader)
	codes := [][2]string{{"00", ""}, {"00", ""}, {"00", ""}, {"51", ""}, {"40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH"}, {"58", ""}}
	for i := 0; i < n; i++ {
		c := codes[i%len(codes)]
		amt := fmt.Sprintf("%d.50", i%90)
		if i < bad {
			amt = "oops"
		}
		fmt.Fprintf(&b, "2026-11-21 14:%02d:00,T%d,M%02d,商户%02d,T%03d,Newland ME31,2.%d,被扫,花呗,消费,%s,CNY,%s,%s,6222020200112233445\n",
			i%60, i, i%7, i%7, i%13, i%3, amt, c[0], c[1])
	}
	return b.String()
}

func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExitStatuses(t *testing.T) {
	good := writeTemp(t, "good.csv", csvRows(500, 0))
	manyBad := writeTemp(t, "bad.csv", csvRows(100, 10))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csvRows(2000, 0)))
	zw.Close()
	truncated := writeTemp(t, "cut.csv.gz", string(gz.Bytes()[:gz.Len()/2]))
	badRules := writeTemp(t, "rules.csv", "namespace,code,cause\ncup,05,no_such_cause\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"ok", []string{"run", good}, exitOK, ""},
		{"help", []string{"help", "run"}, exitOK, ""},
		{"bad flag", []string{"run", "--no-such-flag", good}, exitUsage, "unknown flag"},
		{"no input", []string{"run"}, exitUsage, "no INPUT"},
		{"input matches nothing", []string{"run", filepath.Join(t.TempDir(), "*.csv")}, exitUsage, "no such file"},
		{"bad rules", []string{"run", "--rules", badRules, good}, exitUsage, "no_such_cause"},
		{"bad columns", []string{"run", "--columns", "amount", good}, exitUsage, "expected canonical=Header"},
		{"bad format", []string{"run", "-f", "xml", good}, exitUsage, "--format"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"file fault", []string{"run", good, truncated}, exitError, "truncated gzip"},
		{"usage wins over error", []string{"run", "--rules", badRules, truncated}, exitUsage, ""},
		{"rejects over limit", []string{"run", manyBad}, exitPartial, "reject rate over the limit"},
		{"rejects under a raised limit", []string{"run", "--max-reject-rate", "0.2", manyBad}, exitOK, ""},
		{"skipped file", []string{"run", "--skip-bad-files", good, truncated}, exitPartial, "file skipped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, context.Background(), tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.stderr)
			}
			if strings.Contains(stderr, "6222020200112233445") {
				t.Error("stderr leaks a card number")
			}
		})
	}
}

func TestCancelledRunWritesNothing(t *testing.T) {
	good := writeTemp(t, "good.csv", csvRows(500, 0))
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := runCLI(t, context.Background(), "run", "-o", out, good); code != 0 {
		t.Fatalf("first run: %d %s", code, stderr)
	}
	before := snapshot(t, out)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out2, errb bytes.Buffer
	code := Main(ctx, []string{"run", "-o", out, good}, &Env{Stdout: &out2, Stderr: &errb, Signal: func() os.Signal { return syscall.SIGTERM }})
	if code != exitTerm {
		t.Fatalf("exit %d, want %d: %s", code, exitTerm, errb.String())
	}
	if after := snapshot(t, out); after != before {
		t.Error("a cancelled run changed the previous report set")
	}
}

// snapshot lists a directory's files with their contents.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		data, _ := os.ReadFile(filepath.Join(dir, n))
		fmt.Fprintf(&b, "== %s\n%s", n, data)
	}
	return b.String()
}

func TestReportSetAndMasking(t *testing.T) {
	in := writeTemp(t, "in.csv", csvRows(300, 2))
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, context.Background(), "run", "-o", out, "-f", "csv,json,parquet", "--by", "payment_method,channel", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"summary.json", "rejects.csv", "by_merchant.csv", "by_merchant.json", "by_merchant.parquet", "by_terminal_model.csv", "by_model_firmware.csv", "merchants.csv", "terminal_models.csv", "by_cause.csv", "by_payment_method_channel.csv"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s", name)
		}
	}
	all := snapshot(t, out)
	if strings.Contains(all, "6222020200112233445") {
		t.Error("an output leaks a card number")
	}
	var sum map[string]any
	data, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	read, classified, rejected, filtered := sum["rows_read"].(float64), sum["rows_classified"].(float64), sum["rows_rejected"].(float64), sum["rows_filtered"].(float64)
	if read != 300 || read != classified+rejected+filtered || rejected != 2 {
		t.Errorf("summary does not reconcile: %v", sum)
	}
	// a second run with fewer formats removes the files of the others
	if code, _, _ := runCLI(t, context.Background(), "run", "-o", out, "-f", "csv", in); code != exitOK {
		t.Fatal("second run failed")
	}
	if _, err := os.Stat(filepath.Join(out, "by_merchant.parquet")); err == nil {
		t.Error("stale parquet file kept")
	}
	if _, err := os.Stat(filepath.Join(out, "by_payment_method_channel.csv")); err == nil {
		t.Error("stale --by file kept")
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("staging dir left: %s", e.Name())
		}
	}
}

// TestGoldenSamples runs the demo over the committed samples and compares
// every breakdown file byte for byte, with 1 and 4 workers.
func TestGoldenSamples(t *testing.T) {
	samples := filepath.Join("..", "..", "samples")
	if _, err := os.Stat(filepath.Join(samples, "canonical.csv")); err != nil {
		t.Skip("samples not generated")
	}
	golden := filepath.Join("testdata", "golden")
	var first string
	for _, w := range []string{"1", "4"} {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runCLI(t, context.Background(), "run", "-w", w, "-o", out, "--now", "2026-11-22T06:00:00Z", samples)
		if code != exitOK {
			t.Fatalf("demo exit %d: %s", code, stderr)
		}
		got := breakdowns(t, out)
		if first == "" {
			first = got
		} else if got != first {
			t.Fatal("breakdowns differ between 1 and 4 workers")
		}
	}
	if *update {
		os.MkdirAll(filepath.Dir(golden), 0o755)
		os.WriteFile(golden+".txt", []byte(first), 0o644)
	}
	want, err := os.ReadFile(golden + ".txt")
	if err != nil {
		t.Fatalf("no golden file (run go test ./cmd/analyze -run Golden -update): %v", err)
	}
	if string(want) != first {
		t.Errorf("report over samples/ differs from %s.txt (rerun with -update if the change is intended)", golden)
	}
}

// breakdowns concatenates the breakdown CSVs and rejects.csv of a report set.
func breakdowns(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	names, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	sort.Strings(names)
	for _, n := range names {
		data, _ := os.ReadFile(n)
		fmt.Fprintf(&b, "== %s\n%s", filepath.Base(n), data)
	}
	return b.String()
}

func TestInspect(t *testing.T) {
	in := writeTemp(t, "in.csv", "交易时间,商户号,终端型号,交易金额,应答码,备注,交易渠道\n2026-11-21 14:00:00,M1,PAX A920,1.00,00,x,刷脸\n2026-11-21 14:00:01,M1,PAX A920,abc,51,y,被扫\n")
	code, out, stderr := runCLI(t, context.Background(), "inspect", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"format    csv", "encoding  utf-8", "交易时间", "→ txn_time", "备注", "(ignored)", "not present:", "(unknown) 刷脸", "rows looked at: 2, rejected: 1", "expected a decimal amount"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	missing := writeTemp(t, "m.csv", "a,b\n1,2\n")
	code, out, _ = runCLI(t, context.Background(), "inspect", missing)
	if code != exitError || !strings.Contains(out, "missing required column") || !strings.Contains(out, "headers found: [a, b]") {
		t.Errorf("inspect of a file without our columns: exit %d\n%s", code, out)
	}
}

func TestGenThenRun(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"csv", "csv-gbk", "csv.gz", "parquet"} {
		p := filepath.Join(dir, "gen."+strings.ReplaceAll(f, "csv-gbk", "gbk.csv"))
		if code, _, stderr := runCLI(t, context.Background(), "gen", "--rows", "3000", "--format", f, "--header", "chinese", "-o", p); code != exitOK {
			t.Fatalf("gen %s: exit %d %s", f, code, stderr)
		}
	}
	code, out, stderr := runCLI(t, context.Background(), "run", dir)
	if code != exitOK || !strings.Contains(out, "rows read 12000") {
		t.Fatalf("run over generated files: exit %d\n%s\n%s", code, out, stderr)
	}
	if code, _, _ := runCLI(t, context.Background(), "gen", "--format", "xml"); code != exitUsage {
		t.Errorf("gen --format xml: exit %d", code)
	}
}

func TestStdin(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csvRows(100, 0)))
	zw.Close()
	for name, data := range map[string]string{"csv": csvRows(100, 0), "gzip": gz.String()} {
		code, out, stderr := runCLIStdin(t, context.Background(), data, "run", "-")
		if code != exitOK || !strings.Contains(out, "rows read 100") {
			t.Errorf("%s on stdin: exit %d\n%s%s", name, code, out, stderr)
		}
	}
	pq := filepath.Join(t.TempDir(), "x.parquet")
	if code, _, _ := runCLI(t, context.Background(), "gen", "--rows", "500", "--format", "parquet", "-o", pq); code != exitOK {
		t.Fatal("gen parquet")
	}
	data, _ := os.ReadFile(pq)
	code, out, stderr := runCLIStdin(t, context.Background(), string(data), "run", "-")
	if code != exitOK || !strings.Contains(out, "rows read 500") {
		t.Errorf("parquet on stdin: exit %d\n%s%s", code, out, stderr)
	}
}
