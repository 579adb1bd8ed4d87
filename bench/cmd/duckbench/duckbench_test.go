package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/samplegen"
)

var codesOnce struct {
	sync.Once
	path string
	err  error
}

// codesFile exports the active code table once, as the benchmark does.
func codesFile(t *testing.T) string {
	t.Helper()
	codesOnce.Do(func() {
		dir, err := os.MkdirTemp("", "duckbench-codes-")
		if err != nil {
			codesOnce.err = err
			return
		}
		codesOnce.path, codesOnce.err = exportCodes(dir)
	})
	if codesOnce.err != nil {
		t.Fatal(codesOnce.err)
	}
	return codesOnce.path
}

func TestCompareCounts(t *testing.T) {
	a := map[string]int64{"m1\x00CNY\x00network": 3, "m1\x00CNY\x00risk_control": 1, "m2\x00CNY\x00unknown": 2}
	d := map[string]int64{"m1\x00CNY\x00network": 3, "m1\x00CNY\x00risk_control": 2, "m3\x00CNY\x00unknown": 1}
	c := compareCounts("t", a, d)
	if c.same != 1 || c.differ != 1 || c.onlyAnalyze != 1 || c.onlyDuck != 1 || c.agree() {
		t.Fatalf("%+v", c)
	}
	if c.declinesAnalyze != 6 || c.declDuck != 6 || len(c.examples) != 3 {
		t.Fatalf("%+v", c)
	}
	if !compareCounts("t", a, a).agree() {
		t.Fatal("a table does not agree with itself")
	}
}

func TestReadCodes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "codes.csv")
	os.WriteFile(p, []byte("# comment, with a comma\nnamespace,code,cause,note\ncup,51,consumer_account,x\ncup,51,network,dup\n,000000,approved,any\nwechat,notenough,consumer_account\n"), 0o644)
	got, err := readCodes(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []codeRow{{"cup", "51", "consumer_account"}, {"", "000000", "approved"}, {"wechat", "NOTENOUGH", "consumer_account"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// expected computes by_merchant declines the way analyze does, with
// pkg/classify itself: purchases only, the first row of a txn_id counts.
func expected(t *testing.T, path string) map[string]int64 {
	t.Helper()
	// by the code table alone, as DuckDB's join does
	cl, err := classify.New(classify.Options{NoDefaultRules: true, RulesFiles: []string{codesFile(t)}})
	if err != nil {
		t.Fatal(err)
	}
	m := cl.NewMatcher()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	ix := map[string]int{}
	for i, h := range head {
		ix[h] = i
	}
	seen := map[string]bool{}
	out := map[string]int64{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec[ix["txn_type"]] != "purchase" || seen[rec[ix["txn_id"]]] {
			continue
		}
		seen[rec[ix["txn_id"]]] = true
		o, _ := m.Classify(normCode(rec[ix["resp_code"]]), normCode(rec[ix["resp_subcode"]]), rec[ix["payment_method"]], rec[ix["channel"]])
		if o.IsDecline() {
			out[rec[ix["merchant_id"]]+"\x00CNY\x00"+o.String()]++
		}
	}
	return out
}

func duckMerchants(t *testing.T, cfg duckConfig) map[string]int64 {
	t.Helper()
	cfg.codes, cfg.threads = codesFile(t), 2
	cfg.out = t.TempDir()
	if _, err := runDuck(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	got, err := readDeclines(filepath.Join(cfg.out, "by_merchant.csv"), tables[0].key)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func check(t *testing.T, name string, want, got map[string]int64) {
	t.Helper()
	c := compareCounts(name, want, got)
	if !c.agree() {
		t.Errorf("%s: DuckDB and pkg/classify disagree: %+v", name, c)
	}
	t.Logf("%s: %d keys, %d declines", name, c.keysAnalyze, c.declinesAnalyze)
}

// The SQL reproduces pkg/classify on generated data, for both plans and
// every input format DuckDB reads (the parquet and gzip files hold the
// same rows as the CSV; read_csv decompresses by the .gz extension).
func TestDuckMatchesClassifyOnSamples(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	formats := []string{samplegen.FormatCSV, samplegen.FormatParquet, samplegen.FormatCSVGzip}
	for _, f := range formats {
		p := filepath.Join(dir, "x."+f)
		w, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := samplegen.Write(w, samplegen.Options{Rows: 30000, Seed: 11, Merchants: 300, Format: f}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		files[f] = p
	}
	want := expected(t, files[samplegen.FormatCSV])
	for _, f := range formats {
		for _, plan := range []string{"pregroup", "naive"} {
			for _, dedup := range []string{dedupGroup, dedupDistinct} {
				check(t, f+"/"+plan+"/"+dedup, want, duckMerchants(t, duckConfig{file: files[f], plan: plan, dedup: dedup}))
			}
		}
	}
}

// Every code of the table, under every payment method, as a code, as a
// sub-code under 40004 and FAIL, and as a sub-code alone: one merchant per
// combination, so any disagreement names it.
func TestDuckMatchesClassifyOnAllCodes(t *testing.T) {
	codes, err := readCodes(codesFile(t))
	if err != nil {
		t.Fatal(err)
	}
	extra := []string{"", "FAIL", "SUCCESS", "5", "ZZ", "ACQ.NOT_A_CODE", "NOT_A_CODE", "999"}
	var all []string
	for _, c := range codes {
		all = append(all, c.code)
	}
	all = append(all, extra...)
	pms := []string{"huabei", "alipay_balance", "wechat", "unionpay_qr", "credit_card", "debit_card", ""}
	p := filepath.Join(t.TempDir(), "codes.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(csvColumns)
	n := 0
	for _, code := range all {
		for _, pm := range pms {
			for _, v := range [][2]string{{code, ""}, {"40004", code}, {"FAIL", code}, {"", code}, {"10000", code}} {
				n++
				ch := "qr_scan"
				if strings.HasSuffix(pm, "_card") {
					ch = "card_chip"
				}
				w.Write([]string{"2026-11-21 10:00:00", fmt.Sprintf("T%08d", n), fmt.Sprintf("M%08d", n), "m", "5411", "广东",
					"1", "PAX A920", "1.0", ch, pm, "purchase", "1.00", "CNY", v[0], v[1], "", ""})
			}
		}
	}
	w.Flush()
	f.Close()
	check(t, "all codes", expected(t, p), duckMerchants(t, duckConfig{file: p, plan: "pregroup", dedup: dedupGroup}))
}

// normCode is ingest's normalization of a code: trimmed, upper-case, a
// lone digit zero-padded.
func normCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return "0" + s
	}
	return s
}
