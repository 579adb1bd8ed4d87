package report

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// synthBatches makes n batches of size rows: merchants merchants with one
// name each, 50 terminal models with 3 firmware versions each, 3 terminals
// per merchant, 5% HKD, 80% approved, 2% pending, 18% declines over the
// causes with a skew (the first causes most often, as in real exports), 2%
// not purchases. The strings of each batch share one arena, like ingest's.
func synthBatches(n, size, merchants int, seed uint64) []*record.Batch {
	r := rand.New(rand.NewPCG(seed, 1))
	type term struct{ id, mid, name, model, fw, region string }
	terms := make([]term, merchants*3)
	for i := range terms {
		m := i / 3
		md := r.IntN(50)
		terms[i] = term{
			id:     fmt.Sprintf("T%08d", i),
			mid:    fmt.Sprintf("8981%011d", m),
			name:   fmt.Sprintf("上海市某某便利店第%d分店", m),
			model:  fmt.Sprintf("MODEL-%02d", md),
			fw:     fmt.Sprintf("V%d.%d.%d", md%7, r.IntN(3), 0),
			region: fmt.Sprintf("区域%02d", m%31),
		}
	}
	causes := record.Causes()
	out := make([]*record.Batch, n)
	for bi := range out {
		b := &record.Batch{Len: size}
		var arena strings.Builder
		type span struct {
			f      record.Field
			off, n int
		}
		var spans []span
		put := func(f record.Field, s string) {
			spans = append(spans, span{f, arena.Len(), len(s)})
			arena.WriteString(s)
		}
		b.Amount = make([]int64, size)
		b.Kind = make([]record.TxnKind, size)
		b.Outcome = make([]record.Outcome, size)
		for i := 0; i < size; i++ {
			t := terms[r.IntN(len(terms))]
			put(record.MerchantID, t.mid)
			put(record.MerchantName, t.name)
			put(record.TerminalID, t.id)
			put(record.TerminalModel, t.model)
			put(record.TerminalFirmware, t.fw)
			put(record.Region, t.region)
			cur := "CNY"
			if r.IntN(20) == 0 {
				cur = "HKD"
			}
			put(record.Currency, cur)
			b.Amount[i] = int64(r.IntN(100000))
			if r.IntN(50) == 0 {
				b.Kind[i] = record.TxnKind(1 + r.IntN(4))
			}
			switch x := r.IntN(100); {
			case x < 80:
				b.Outcome[i] = record.Approved
			case x < 82:
				b.Outcome[i] = record.Pending
			default:
				// skewed: cause k with weight ~ 1/(k+1)
				b.Outcome[i] = causes[min(int(float64(len(causes))*r.Float64()*r.Float64()), len(causes)-1)]
			}
		}
		s := arena.String()
		for _, f := range []record.Field{record.MerchantID, record.MerchantName, record.TerminalID, record.TerminalModel, record.TerminalFirmware, record.Region, record.Currency} {
			b.Text[f] = make([]string, 0, size)
		}
		for _, sp := range spans {
			b.Text[sp.f] = append(b.Text[sp.f], s[sp.off:sp.off+sp.n])
		}
		out[bi] = b
	}
	return out
}

func batchBytes(b *record.Batch) int64 {
	var n int64
	for _, c := range b.Text {
		for _, s := range c {
			n += int64(len(s))
		}
	}
	return n + int64(b.Len)*(8+1+1)
}

func BenchmarkAggregatorAdd(b *testing.B) {
	for _, by := range []struct {
		name string
		by   [][]record.Field
	}{
		{"by=none", nil},
		{"by=merchant_id,terminal_model", [][]record.Field{{record.MerchantID, record.TerminalModel}}},
		{"by=region", [][]record.Field{{record.Region}}},
	} {
		b.Run(fmt.Sprintf("rows=8192/merchants=10000/%s", by.name), func(b *testing.B) {
			batches := synthBatches(64, 8192, 10000, 7)
			// warm: the values are seen once, as in a long run
			a := NewAggregator(Options{By: by.by})
			for _, bt := range batches {
				a.Add(bt)
			}
			b.SetBytes(batchBytes(batches[0]))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a.Add(batches[i%len(batches)])
			}
			nsRow := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / 8192
			b.ReportMetric(nsRow, "ns/row")
			b.ReportMetric(nsRow*5e6/1e9, "s/5Mrows")
		})
	}
}

func BenchmarkTables(b *testing.B) {
	batches := synthBatches(64, 8192, 10000, 7)
	a := NewAggregator(Options{})
	for _, bt := range batches {
		a.Add(bt)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.Tables()
	}
}
