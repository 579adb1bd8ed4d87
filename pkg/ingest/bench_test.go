package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
