package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/payops/analyze/pkg/ingest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestMain(m *testing.M) {
	// The test binary doubles as the CLI, for the tests that need a real
	// process (signals).
	if os.Getenv("ANALYZE_TEST_AS_CLI") == "1" {
		if n, err := strconv.ParseUint(os.Getenv("ANALYZE_TEST_FSIZE"), 10, 64); err == nil {
			// A disk that fills up: writes past n bytes fail with EFBIG
			// (SIGXFSZ, which would kill the process, is ignored).
			signal.Ignore(syscall.SIGXFSZ)
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				panic(err)
			}
		}
		main()
		return
	}
	ingest.ScribbleReleased = true // a string used after its batch was released shows as 0xFF bytes
	goleak.VerifyTestMain(m)
}

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
	procs := runtime.GOMAXPROCS(0)
	for _, w := range []string{"1", "4"} {
		out := filepath.Join(t.TempDir(), "out")
		code, _, stderr := runCLI(t, context.Background(), "run", "-w", w, "-o", out, "--now", "2026-11-22T06:00:00Z", samples)
		if code != exitOK {
			t.Fatalf("demo exit %d: %s", code, stderr)
		}
		if n := runtime.GOMAXPROCS(0); n != procs {
			t.Fatalf("-w %s left GOMAXPROCS at %d, was %d", w, n, procs)
		}
		checkInvariants(t, out)
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

// TestOutputFaults: an output that cannot be written is exit 1 with a clear
// message, and a report set already there stays intact.
func TestOutputFaults(t *testing.T) {
	in := writeTemp(t, "in.csv", csvRows(200, 0))
	blocker := writeTemp(t, "file", "not a directory")
	code, _, stderr := runCLI(t, context.Background(), "run", "-o", filepath.Join(blocker, "out"), in)
	if code != exitError || !strings.Contains(stderr, "analyze: ") || !strings.Contains(stderr, blocker) {
		t.Errorf("unwritable --out: exit %d, %q", code, stderr)
	}
}

// TestLongLineAndManyMerchants: a 10 MB single field and many distinct
// merchants are read, not truncated, and reconcile.
func TestLongLineAndManyMerchants(t *testing.T) {
	var b strings.Builder
	b.WriteString(csvHeader)
	fmt.Fprintf(&b, "2026-11-21 14:00:00,L1,M1,%s,T1,PAX A920,1,被扫,花呗,消费,1.00,CNY,51,,\n", strings.Repeat("长", 10<<20/3))
	for i := 0; i < 50000; i++ {
		fmt.Fprintf(&b, "2026-11-21 14:00:00,X%d,M%07d,n,T%d,PAX A920,1,被扫,花呗,消费,1.00,CNY,51,,\n", i, i, i)
	}
	in := writeTemp(t, "big.csv", b.String())
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCLI(t, context.Background(), "run", "-o", out, in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkInvariants(t, out)
	data, _ := os.ReadFile(filepath.Join(out, "merchants.csv"))
	if n := strings.Count(string(data), "\n"); n != 50002 { // header, M1 and M0000000..M0049999
		t.Errorf("merchants.csv has %d lines", n)
	}
}

// checkInvariants checks that a report set adds up: rows reconcile, each
// cause's declines and amounts in every breakdown equal summary.json's, and
// the attempts of merchants and terminal_models equal the total.
func checkInvariants(t *testing.T, dir string) {
	t.Helper()
	var sum struct {
		RowsRead, RowsClassified, RowsRejected, RowsFiltered, Attempts int64
		Causes                                                         map[string]struct {
			Declines int64
			Amounts  map[string]string
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	get := func(k string, v any) { json.Unmarshal(raw[k], v) }
	get("rows_read", &sum.RowsRead)
	get("rows_classified", &sum.RowsClassified)
	get("rows_rejected", &sum.RowsRejected)
	get("rows_filtered", &sum.RowsFiltered)
	get("attempts", &sum.Attempts)
	get("causes", &sum.Causes)
	if sum.RowsRead != sum.RowsClassified+sum.RowsRejected+sum.RowsFiltered {
		t.Errorf("rows do not reconcile: %+v", sum)
	}
	// every cause breakdown adds up to the summary's totals
	for _, name := range []string{"by_merchant", "by_terminal_model", "by_model_firmware", "by_cause"} {
		rows := readCSV(t, filepath.Join(dir, name+".csv"))
		decl := map[string]int64{}
		amt := map[string]map[string]int64{}
		for _, r := range rows {
			n, _ := strconv.ParseInt(r["declines"], 10, 64)
			decl[r["cause"]] += n
			if amt[r["cause"]] == nil {
				amt[r["cause"]] = map[string]int64{}
			}
			amt[r["cause"]][r["currency"]] += cents(r["amount"])
		}
		for c, s := range sum.Causes {
			if decl[c] != s.Declines {
				t.Errorf("%s: %s declines %d, summary %d", name, c, decl[c], s.Declines)
			}
			for cur, a := range s.Amounts {
				if amt[c][cur] != cents(a) {
					t.Errorf("%s: %s amount %d, summary %s", name, c, amt[c][cur], a)
				}
			}
		}
		if len(decl) != len(sum.Causes) {
			t.Errorf("%s: causes %v, summary %v", name, decl, sum.Causes)
		}
	}
	for _, name := range []string{"merchants", "terminal_models"} {
		var total int64
		for _, r := range readCSV(t, filepath.Join(dir, name+".csv")) {
			n, _ := strconv.ParseInt(r["attempts"], 10, 64)
			total += n
		}
		if total != sum.Attempts {
			t.Errorf("%s: attempts add up to %d, summary %d", name, total, sum.Attempts)
		}
	}
}

func cents(s string) int64 {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 3 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*1000 + f
	if neg {
		v = -v
	}
	return v
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// TestSignals sends SIGINT and SIGTERM to a real process in the middle of a
// multi-file run (the last input is a pipe that never ends, so the run is
// surely in progress): it exits 130 or 143, leaves the previous report set
// as it was and no staging directory.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	var inputs []string
	for i := 0; i < 3; i++ {
		inputs = append(inputs, writeTemp(t, fmt.Sprintf("%d.csv", i), csvRows(2000, 0)))
	}
	out := filepath.Join(dir, "out")
	if code, _, stderr := runCLI(t, context.Background(), append([]string{"run", "-o", out}, inputs...)...); code != 0 {
		t.Fatalf("first run: %s", stderr)
	}
	before := snapshot(t, out)
	for sig, want := range map[syscall.Signal]int{syscall.SIGINT: exitInterrupt, syscall.SIGTERM: exitTerm} {
		cmd := exec.Command(os.Args[0], append(append([]string{"run", "-o", out}, inputs...), "-")...)
		cmd.Env = append(os.Environ(), "ANALYZE_TEST_AS_CLI=1")
		stdin, _ := cmd.StdinPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		io.WriteString(stdin, csvHeader) // the pipe stays open: the run waits for more
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: the process did not stop", sig)
		}
		stdin.Close()
		if code := cmd.ProcessState.ExitCode(); code != want {
			t.Errorf("%v: exit %d, want %d; stderr %s", sig, code, want, stderr.String())
		}
		if !strings.Contains(stderr.String(), "cancelled") {
			t.Errorf("%v: stderr %q", sig, stderr.String())
		}
		if after := snapshot(t, out); after != before {
			t.Errorf("%v: the previous report set changed", sig)
		}
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".tmp-") {
				t.Errorf("%v: staging dir left behind", sig)
			}
		}
	}
}

// TestDiskFull runs a real process whose files may not grow past 8 KiB,
// so writing the report set fails halfway as on a full disk: it exits 1
// naming the output, leaves the previous report set as it was and no
// staging directory.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	in := writeTemp(t, "in.csv", csvRows(3000, 5))
	out := filepath.Join(t.TempDir(), "out")
	hist := filepath.Join(t.TempDir(), "history")
	if code, _, stderr := runCLI(t, context.Background(), "run", "-o", out, "--history", hist, in); code != exitOK {
		t.Fatalf("first run: %s", stderr)
	}
	before, histBefore := snapshot(t, out), snapshotTree(t, hist)
	cmd := exec.Command(os.Args[0], "run", "-o", out, "--history", hist, "-f", "csv,json,html", "--top", "1000", in)
	cmd.Env = append(os.Environ(), "ANALYZE_TEST_AS_CLI=1", "ANALYZE_TEST_FSIZE=8192")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != exitError {
		t.Fatalf("exit %d (%v), want %d; stderr %s", code, err, exitError, stderr.String())
	}
	t.Log(lastLine(stderr.String()))
	if msg := stderr.String(); !strings.Contains(msg, "file too large") || !strings.Contains(msg, out) {
		t.Errorf("stderr does not name the output and the cause: %s", msg)
	}
	if after := snapshot(t, out); after != before {
		t.Error("the previous report set changed")
	}
	if after := snapshotTree(t, hist); after != histBefore {
		t.Error("the history store changed")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	for _, e := range entries {
		if e.Name() != "out" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestFormatsAgree: the same generated rows as UTF-8 CSV, GBK CSV, gzip CSV
// and Parquet give byte-identical breakdowns.
func TestFormatsAgree(t *testing.T) {
	dir := t.TempDir()
	var first string
	for _, f := range []string{"csv", "csv-gbk", "csv.gz", "parquet"} {
		in := filepath.Join(dir, "in."+strings.ReplaceAll(f, "csv-gbk", "gbk.csv"))
		if code, _, stderr := runCLI(t, context.Background(), "gen", "--rows", "4000", "--seed", "9", "--format", f, "--header", "chinese", "-o", in); code != exitOK {
			t.Fatalf("gen %s: %s", f, stderr)
		}
		out := filepath.Join(dir, "out-"+f)
		if code, _, stderr := runCLI(t, context.Background(), "run", "-o", out, in); code != exitOK {
			t.Fatalf("run %s: exit %d %s", f, code, stderr)
		}
		var b strings.Builder
		for _, name := range []string{"by_merchant.csv", "by_model_firmware.csv", "by_cause.csv", "merchants.csv", "terminal_models.csv"} {
			data, _ := os.ReadFile(filepath.Join(out, name))
			b.Write(data)
		}
		if first == "" {
			first = b.String()
		} else if b.String() != first {
			t.Errorf("%s gives other breakdowns than csv", f)
		}
	}
}

// TestJSONLogs: with --log-format json every stderr line is a JSON object a
// cron job's log shipper can parse, and none holds a card number.
func TestJSONLogs(t *testing.T) {
	in := writeTemp(t, "in.csv", csvRows(100, 3))
	code, _, stderr := runCLI(t, context.Background(), "run", "--log-format", "json", "--max-reject-rate", "0.5", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	var finished bool
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if m["msg"] == "run finished" {
			finished = m["rows_read"] == float64(100) && m["rows_rejected"] == float64(3)
		}
	}
	if !finished {
		t.Errorf("no run-finished line with the counts:\n%s", stderr)
	}
	if strings.Contains(stderr, "6222020200112233445") {
		t.Error("a log line leaks a card number")
	}
}

// snapshotTree is snapshot of every file under dir, by relative path.
func snapshotTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(&b, "== %s\n%s", rel, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}
