package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/payops/analyze/pkg/classify"
	"github.com/payops/analyze/pkg/ingest"
	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

func TestMain(m *testing.M) {
	ingest.ScribbleReleased = true // a string used after its batch was released shows as 0xFF bytes
	goleak.VerifyTestMain(m)
}

const hdr = "txn_time,txn_id,merchant_id,merchant_name,terminal_id,terminal_model,terminal_firmware,channel,payment_method,txn_type,amount,currency,resp_code,resp_subcode\n"

// genRows makes n deterministic rows, some bad, some repeated.
func genRows(n int) []string {
	models := []string{"PAX A920", "Newland ME31", "Centerm C960", "新大陆 N910"}
	codes := [][2]string{{"00", ""}, {"00", ""}, {"51", ""}, {"40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH"}, {"FAIL", "NOTENOUGH"}, {"58", ""}, {"USERPAYING", ""}, {"A0", ""}, {"ZZ", ""}}
	var rows []string
	for i := 0; i < n; i++ {
		c := codes[i%len(codes)]
		amt := fmt.Sprintf("%d.%02d", i%300, i%100)
		if i%97 == 5 {
			amt = "bad"
		}
		id := fmt.Sprintf("TX%d", i)
		if i%50 == 49 {
			id = fmt.Sprintf("TX%d", i-10) // a repeat of an earlier id
		}
		kind := "消费"
		if i%31 == 0 {
			kind = "退货"
		}
		rows = append(rows, fmt.Sprintf("2026-11-21 %02d:%02d:00,%s,M%03d,商户%d,T%04d,%s,2.%d,被扫,花呗,%s,%s,CNY,%s,%s",
			i/60%24, i%60, id, i%37, i%37, i%211, models[i%len(models)], i%3, kind, amt, c[0], c[1]))
	}
	return rows
}

func write(t *testing.T, dir, name string, rows []string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(hdr+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, paths []string, mod func(*Options)) (*Result, []*record.Error, error) {
	t.Helper()
	cl, err := classify.New(classify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ins []ingest.Input
	for _, p := range paths {
		ins = append(ins, ingest.Input{Path: p})
	}
	var rejects []*record.Error
	o := Options{Inputs: ins, Classifier: cl, Ingest: ingest.Options{ChunkBytes: 4096},
		Report:   report.Options{By: [][]record.Field{{record.PaymentMethod, record.Channel}}},
		OnReject: func(e *record.Error) error { rejects = append(rejects, e); return nil }}
	if mod != nil {
		mod(&o)
	}
	res, err := Run(context.Background(), o)
	return res, rejects, err
}

// rendered turns every breakdown into text for byte comparisons.
func rendered(res *Result) string {
	var b strings.Builder
	for _, tb := range res.Agg.Tables() {
		fmt.Fprintf(&b, "## %s\n%s\n", tb.Name, strings.Join(tb.Columns, ","))
		for _, r := range tb.All() {
			b.WriteString(strings.Join(r, ","))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestReconcileAndDeterminism(t *testing.T) {
	dir := t.TempDir()
	rows := genRows(5000)
	whole := write(t, dir, "whole.csv", rows)
	base, baseRej, err := run(t, []string{whole}, func(o *Options) { o.Workers = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if base.RowsRead != 5000 || base.RowsRead != base.Classified+base.Rejected+base.Filtered {
		t.Fatalf("reconciliation: read %d classified %d rejected %d filtered %d", base.RowsRead, base.Classified, base.Rejected, base.Filtered)
	}
	if base.Rejected == 0 || base.Duplicates == 0 || int64(len(baseRej)) != base.Rejected {
		t.Fatalf("fixture should have rejects and duplicates: %+v", base)
	}
	if base.Inputs[0].Rows != 5000 || base.Inputs[0].SHA256 == "" || base.Inputs[0].Size == 0 {
		t.Errorf("input provenance %+v", base.Inputs[0])
	}
	want := rendered(base)

	// the same rows split into three files, any worker count
	a := write(t, dir, "a.csv", rows[:1234])
	b := write(t, dir, "b.csv", rows[1234:3000])
	c := write(t, dir, "c.csv", rows[3000:])
	for _, w := range []int{1, 2, 8} {
		for _, paths := range [][]string{{whole}, {a, b, c}} {
			res, rej, err := run(t, paths, func(o *Options) { o.Workers = w })
			if err != nil {
				t.Fatal(err)
			}
			if got := rendered(res); got != want {
				t.Fatalf("workers=%d files=%d: breakdowns differ", w, len(paths))
			}
			if res.Duplicates != base.Duplicates || res.Rejected != base.Rejected {
				t.Fatalf("workers=%d files=%d: dups %d rejects %d", w, len(paths), res.Duplicates, res.Rejected)
			}
			if len(paths) == 1 {
				for i := range rej {
					if rej[i].Line != baseRej[i].Line {
						t.Fatalf("rejects out of order with %d workers", w)
					}
				}
			}
		}
	}
}

func TestFirstDuplicateWins(t *testing.T) {
	dir := t.TempDir()
	// the same id, declined in the first file and approved in the second:
	// the first in input order counts, whatever the worker count
	first := write(t, dir, "1.csv", []string{"2026-11-21 10:00:00,X1,M1,n,T1,PAX,1,被扫,花呗,消费,1.00,CNY,51,"})
	second := write(t, dir, "2.csv", []string{"2026-11-21 10:00:00,X1,M1,n,T1,PAX,1,被扫,花呗,消费,1.00,CNY,00,"})
	for _, w := range []int{1, 4} {
		res, _, err := run(t, []string{first, second}, func(o *Options) { o.Workers = w })
		if err != nil {
			t.Fatal(err)
		}
		var s report.Summary
		res.Agg.FillSummary(&s)
		if res.Duplicates != 1 || s.Declines != 1 || s.Attempts != 1 {
			t.Fatalf("workers %d: dups %d declines %d attempts %d", w, res.Duplicates, s.Declines, s.Attempts)
		}
	}
	res, _, _ := run(t, []string{first, second}, func(o *Options) { o.NoDedup = true })
	if res.Duplicates != 0 {
		t.Error("--no-dedup still dedups")
	}
}

// TestRowsWithoutIDAreNeverDuplicates: rows with an empty txn_id, after
// parts full of ids, all count (the hash slices are recycled between
// parts, and an id-less row must not inherit an old hash).
func TestRowsWithoutIDAreNeverDuplicates(t *testing.T) {
	dir := t.TempDir()
	var rows []string
	for i := range 40000 { // past the first megabyte, parts are 4 KiB
		id := fmt.Sprintf("ID%06d", i) // rows alike in length: parts alike in rows
		if i >= 20000 && i%2 == 0 {
			id = ""
		}
		rows = append(rows, fmt.Sprintf("2026-11-21 10:00:00,%s,M1,n,T1,PAX,1,被扫,花呗,消费,1.00,CNY,51,", id))
	}
	p := write(t, dir, "ids.csv", rows)
	for _, w := range []int{1, 2} {
		res, _, err := run(t, []string{p}, func(o *Options) { o.Workers = w })
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicates != 0 || res.Classified != 40000 {
			t.Fatalf("workers %d: %d duplicates, %d classified; want 0 and 40000", w, res.Duplicates, res.Classified)
		}
	}
}

func gzipped(t *testing.T, dir, name string, rows []string, truncate bool) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(hdr + strings.Join(rows, "\n") + "\n"))
	zw.Close()
	data := buf.Bytes()
	if truncate {
		data = data[:len(data)*2/3]
	}
	p := filepath.Join(dir, name)
	os.WriteFile(p, data, 0o644)
	return p
}

func TestFileFaults(t *testing.T) {
	dir := t.TempDir()
	rows := genRows(3000)
	good1 := write(t, dir, "1.csv", rows[:1000])
	bad := gzipped(t, dir, "2.csv.gz", rows[1000:2000], true)
	good3 := write(t, dir, "3.csv", rows[2000:])
	empty := filepath.Join(dir, "4.csv")
	os.WriteFile(empty, nil, 0o644)

	_, _, err := run(t, []string{good1, bad, good3}, nil)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "truncated gzip") {
		t.Fatalf("want a truncated-gzip error naming the file, got %v", err)
	}
	_, _, err = run(t, []string{good1, empty}, nil)
	if err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Fatalf("want an empty-file error, got %v", err)
	}

	for _, w := range []int{1, 3} {
		res, _, err := run(t, []string{good1, bad, good3, empty}, func(o *Options) { o.SkipBadFiles = true; o.Workers = w })
		if err != nil {
			t.Fatal(err)
		}
		ref, _, _ := run(t, []string{good1, good3}, func(o *Options) { o.Workers = w })
		if res.Skipped != 2 || res.Inputs[1].Err == nil || res.Inputs[3].Err == nil || res.Inputs[1].Rows != 0 {
			t.Fatalf("skipped %d, inputs %+v", res.Skipped, res.Inputs)
		}
		if rendered(res) != rendered(ref) || res.RowsRead != ref.RowsRead || res.Duplicates != ref.Duplicates {
			t.Fatalf("workers %d: a skipped file leaked rows into the result", w)
		}
	}
}

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 6; i++ {
		paths = append(paths, write(t, dir, fmt.Sprintf("%d.csv", i), genRows(3000)))
	}
	cl, _ := classify.New(classify.Options{})
	var ins []ingest.Input
	for _, p := range paths {
		ins = append(ins, ingest.Input{Path: p})
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := Run(ctx, Options{Inputs: ins, Classifier: cl, Ingest: ingest.Options{ChunkBytes: 2048}, Workers: 3,
		OnReject: func(*record.Error) error {
			if n++; n == 3 {
				cancel()
			}
			return nil
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	cancel()
}

// TestFileVanishesMidRun deletes an input after the run has started and
// before it is opened: the run stops with an error naming it, or skips it.
func TestFileVanishesMidRun(t *testing.T) {
	dir := t.TempDir()
	rows := genRows(900)
	paths := []string{write(t, dir, "1.csv", rows[:300]), write(t, dir, "2.csv", rows[300:600]), write(t, dir, "3.csv", rows[600:])}
	for _, skip := range []bool{false, true} {
		os.WriteFile(paths[2], []byte(hdr+strings.Join(rows[600:], "\n")+"\n"), 0o644)
		removed := false
		res, _, err := run(t, paths, func(o *Options) {
			o.Workers = 1 // one file open at a time: the third opens after the first is done
			o.SkipBadFiles = skip
			o.OnReject = func(*record.Error) error {
				if !removed {
					removed = true
					os.Remove(paths[2])
				}
				return nil
			}
		})
		if !removed {
			t.Fatal("the fixture has no rejects in the first file")
		}
		if !skip {
			if err == nil || !strings.Contains(err.Error(), paths[2]) || record.KindOf(err) != record.KindIO {
				t.Errorf("want an i/o error naming %s, got %v", paths[2], err)
			}
			continue
		}
		if err != nil || res.Skipped != 1 || res.Inputs[2].Err == nil || res.RowsRead != 600 {
			t.Errorf("skip: err %v, skipped %d, read %d", err, res.Skipped, res.RowsRead)
		}
	}
}
