package samplegen

import (
	"io"
	"strconv"
	"testing"
)

// countWriter counts bytes so the benchmark can report MB/s of output.
type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func BenchmarkWrite(b *testing.B) {
	const rows = 100_000
	for _, f := range []string{FormatCSV, FormatCSVGBK, FormatCSVGzip, FormatParquet} {
		b.Run("format="+f+"/rows="+strconv.Itoa(rows), func(b *testing.B) {
			opts := Options{Rows: rows, Seed: 1, Format: f}
			var cw countWriter
			if err := Write(&cw, opts); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(cw.n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := Write(io.Discard, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
