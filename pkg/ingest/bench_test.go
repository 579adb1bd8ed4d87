package ingest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/samplegen"
)

func benchCSV(b *testing.B, rows int) (string, int64) {
	b.Helper()
	var sb strings.Builder
	sb.WriteString(header)
	models := []string{"PAX A920", "Newland ME31", "Centerm C960", "Sunmi P2"}
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&sb, "2026-11-21 %02d:%02d:%02d,M%06d,商户%d,T%07d,%s,2.%d.0,被扫,花呗,%d.%02d,CNY,%s,%s,%s,消费,TX%09d,622202******1234\n",
			i/3600%24, i/60%60, i%60, i%10000, i%10000, i%50000, models[i%4], i%5, i%500, i%100,
			[]string{"00", "00", "00", "51", "40004"}[i%5], []string{"", "", "", "", "ACQ.BUYER_BALANCE_NOT_ENOUGH"}[i%5], []string{"", "", "", "余额不足", "余额不足"}[i%5], i)
	}
	p := filepath.Join(b.TempDir(), "bench.csv")
	os.WriteFile(p, []byte(sb.String()), 0o644)
	return p, int64(sb.Len())
}

// BenchmarkReadCSV measures one goroutine reading, hashing, cutting and
// decoding a CSV file into batches: the per-core cost of ingest.
func BenchmarkReadCSV(b *testing.B) {
	p, size := benchCSV(b, 200000)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n := countRows(b, p); n != 200000 {
			b.Fatalf("rows %d", n)
		}
	}
}

// countRows reads a whole file sequentially and returns its accepted rows.
func countRows(b *testing.B, path string) int {
	_, bs, err := readAll(b, path, &Options{})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, bt := range bs {
		n += bt.Len
	}
	return n
}

// BenchmarkParquetRowGroup decodes one row group of a generated export
// (samplegen's layout: 131072 rows, text columns dictionary encoded but
// txn_id and pan) with every text column read through arrow-go's column
// chunk reader, and page by page (pqdict.go). Bytes are the row group's
// compressed size.
func BenchmarkParquetRowGroup(b *testing.B) {
	var buf bytes.Buffer
	if err := samplegen.Write(&buf, samplegen.Options{Rows: samplegen.ParquetRowGroup, Seed: 1, Merchants: 2000, Format: samplegen.FormatParquet}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "export.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	osf, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	fc := &fileCtx{path: path, opts: &Options{}, parquet: true}
	src, err := openParquet(fc, osf, osf, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.close()
	s := src.(*parquetSource)
	if s.pqf.pf.NumRowGroups() != 1 {
		b.Fatalf("%d row groups", s.pqf.pf.NumRowGroups())
	}
	rows := s.pqf.pf.RowGroup(0).NumRows()
	for _, way := range []struct {
		name string
		off  bool
	}{{"arrow", true}, {"pages", false}} {
		b.Run(way.name, func(b *testing.B) {
			pqPagesOff = way.off
			defer func() { pqPagesOff = false }()
			b.SetBytes(s.pqf.pf.MetaData().RowGroup(0).TotalCompressedSize())
			b.ReportAllocs()
			for b.Loop() {
				if !s.pqf.h.acquire() {
					b.Fatal("the file is closed")
				}
				p := &parquetPart{src: s, ref: &pqPartRef{h: s.pqf.h}, rows: rows}
				bs, err := p.Decode()
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for _, bt := range bs {
					n += bt.Read
				}
				if n != int(rows) {
					b.Fatalf("%d rows read, want %d", n, rows)
				}
			}
		})
	}
}

// BenchmarkDecodeExport reads the same 200,000 generated rows (samplegen,
// as make bench does) as UTF-8 CSV and as GBK CSV with Chinese headers,
// releasing each batch as the pipeline does: make bench's GBK goal is
// 1.2× the UTF-8 time for the whole run, of which this is the part that
// differs.
func BenchmarkDecodeExport(b *testing.B) {
	for _, enc := range []struct{ name, format, header string }{
		{"utf8", samplegen.FormatCSV, samplegen.HeaderCanonical},
		{"gbk", samplegen.FormatCSVGBK, samplegen.HeaderChinese},
	} {
		b.Run(enc.name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := samplegen.Write(&buf, samplegen.Options{Rows: 200000, Seed: 1, Merchants: 2000, Format: enc.format, Header: enc.header}); err != nil {
				b.Fatal(err)
			}
			p := filepath.Join(b.TempDir(), "export.csv")
			if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				f, err := Open(Input{Path: p}, 0, &Options{})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for bt, err := range f.Batches() {
					if err != nil {
						b.Fatal(err)
					}
					n += bt.Len
					bt.Release()
				}
				f.Close()
				if n < 190000 {
					b.Fatalf("%d rows", n)
				}
			}
		})
	}
}
