package classify

import (
	"math/rand/v2"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

// benchRow is one kind of row with its weight in a realistic export:
// mostly approvals, card declines spread over a few codes, wallet rows
// with sub-codes.
type benchRow struct {
	weight            int
	code, sub, pm, ch string
}

var benchMix = []benchRow{
	{40, "00", "", "credit_card", "card_chip"},
	{10, "00", "", "debit_card", "card_swipe"},
	{3, "51", "", "debit_card", "card_chip"},
	{2, "55", "", "credit_card", "card_chip"},
	{1, "05", "", "credit_card", "contactless"},
	{1, "96", "", "debit_card", "card_swipe"},
	{1, "68", "", "credit_card", "card_chip"},
	{1, "A0", "", "credit_card", "card_chip"},
	{15, "SUCCESS", "", "wechat", "qr_scan"},
	{2, "USERPAYING", "", "wechat", "qr_scan"},
	{2, "FAIL", "NOTENOUGH", "wechat", "qr_scan"},
	{1, "FAIL", "AUTHCODEEXPIRE", "wechat", "qr_scan"},
	{10, "10000", "", "huabei", "qr_scan"},
	{2, "40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "alipay_balance", "qr_scan"},
	{1, "40004", "ACQ.PAYMENT_REQUEST_HAS_RISK", "huabei", "qr_scan"},
	{1, "40004", "ACQ.ZM_CREDIT_AUTH_FAIL", "huabei", "qr_present"},
	{1, "10003", "", "huabei", "qr_scan"},
	{3, "00", "", "unionpay_qr", "qr_present"},
	{1, "38", "", "unionpay_qr", "qr_present"},
	{2, "000000", "", "wechat", "qr_scan"},
	{1, "", "", "", ""},
}

// benchBatch builds a batch of n rows whose strings are slices of one
// arena, as ingest builds them, so no two rows share a string header.
func benchBatch(n int) *record.Batch {
	total := 0
	for _, r := range benchMix {
		total += r.weight
	}
	rng := rand.New(rand.NewPCG(1, 2))
	picks := make([]benchRow, n)
	var arena []byte
	for i := range picks {
		w := rng.IntN(total)
		for _, r := range benchMix {
			if w < r.weight {
				picks[i] = r
				break
			}
			w -= r.weight
		}
		p := picks[i]
		arena = append(arena, p.code+p.sub+p.pm+p.ch...)
	}
	s := string(arena)
	b := &record.Batch{Len: n}
	cols := [4][]string{}
	off := 0
	take := func(l int) string { v := s[off : off+l]; off += l; return v }
	for _, p := range picks {
		cols[0] = append(cols[0], take(len(p.code)))
		cols[1] = append(cols[1], take(len(p.sub)))
		cols[2] = append(cols[2], take(len(p.pm)))
		cols[3] = append(cols[3], take(len(p.ch)))
	}
	b.Text[record.RespCode] = cols[0]
	b.Text[record.RespSubcode] = cols[1]
	b.Text[record.PaymentMethod] = cols[2]
	b.Text[record.Channel] = cols[3]
	return b
}

func BenchmarkClassifyBatch(b *testing.B) {
	const rows = 8192
	c := newDefault(b)
	batch := benchBatch(rows)
	bytes := 0
	for _, f := range []record.Field{record.RespCode, record.RespSubcode, record.PaymentMethod, record.Channel} {
		for _, v := range batch.Text[f] {
			bytes += len(v)
		}
	}
	b.Run("rows=8192/warm", func(b *testing.B) {
		m := c.NewMatcher()
		m.ClassifyBatch(batch) // fill the cache and the output slices
		b.ReportAllocs()
		b.SetBytes(int64(bytes))
		b.ResetTimer()
		for b.Loop() {
			m.ClassifyBatch(batch)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
	})
	b.Run("rows=8192/cold", func(b *testing.B) {
		// A new Matcher per batch: the cost a worker pays on its first batch.
		b.ReportAllocs()
		b.SetBytes(int64(bytes))
		for b.Loop() {
			batch.Outcome, batch.NS = nil, nil
			c.NewMatcher().ClassifyBatch(batch)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
	})
}
