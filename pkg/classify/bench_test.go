package classify

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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

// ruleRow is one kind of row of the full-field benchmark: the benchMix
// kinds plus the rows the conditional rules look at (generic codes whose
// message decides, Huabei on old firmware, codes without a code), with
// messages that carry order numbers as real exports do.
type ruleRow struct {
	weight                 int
	code, sub, pm, ch, msg string
}

var ruleMix = []ruleRow{
	{40, "00", "", "credit_card", "card_chip", "承兑或交易成功"},
	{10, "00", "", "debit_card", "card_swipe", "交易成功"},
	{3, "51", "", "debit_card", "card_chip", "可用余额不足"},
	{2, "55", "", "credit_card", "card_chip", "密码错"},
	{1, "05", "", "credit_card", "contactless", "持卡人认证失败"},
	{1, "96", "", "debit_card", "card_swipe", "拒绝，交换中心异常，请稍后重试"},
	{1, "68", "", "credit_card", "card_chip", "交易超时，请重试"},
	{1, "58", "", "debit_card", "card_swipe", "不允许终端进行的交易"},
	{15, "SUCCESS", "", "wechat", "qr_scan", "支付成功"},
	{2, "USERPAYING", "", "wechat", "qr_scan", "用户支付中，需要输入密码"},
	{2, "FAIL", "NOTENOUGH", "wechat", "qr_scan", "余额不足"},
	{1, "FAIL", "TRADE_ERROR", "wechat", "qr_scan", "交易错误(订单号%d)"},
	{10, "10000", "", "huabei", "qr_scan", "交易成功"},
	{2, "40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "alipay_balance", "qr_scan", "买家余额不足"},
	{1, "40004", "ACQ.PAYMENT_FAIL", "huabei", "qr_scan", "支付失败，花呗额度不足(订单%d)"},
	{1, "40004", "ACQ.NO_PAYMENT_INSTRUMENTS_AVAILABLE", "huabei", "qr_scan", "没有可用的支付工具"},
	{1, "58", "", "huabei", "qr_scan", "不允许终端进行的交易"},
	{1, "10003", "", "huabei", "qr_scan", "等待用户付款"},
	{3, "00", "", "unionpay_qr", "qr_present", "成功"},
	{1, "38", "", "unionpay_qr", "qr_present", "银联风控拒绝"},
	{2, "000000", "", "wechat", "qr_scan", "交易成功"},
	{1, "", "", "wechat", "qr_scan", "交易超时(流水号%d)"},
}

var benchTerminals = [][2]string{{"PAX A920", "3.1.0"}, {"PAX A920", "3.2.2"}, {"PAX S90", "1.8.6"}, {"Newland ME31", "2.3.1"},
	{"Newland ME31", "2.4.0"}, {"Newland N910", "2.5.0"}, {"Centerm C960", "5.0.3"}, {"Lakala LKL-P8", "1.2.0"}, {"Sunmi P2", "2.6.3"}}

var benchMCC = []string{"5411", "5812", "5814", "5311", "4121", "5999", "7011", "5732"}
var benchRegions = []string{"广东", "上海", "北京", "浙江", "四川", "湖北", "山东"}

// ruleBatch builds n rows over every field the rules read, the strings
// slices of one arena as ingest builds them.
func ruleBatch(n int) *record.Batch {
	total := 0
	for _, r := range ruleMix {
		total += r.weight
	}
	rng := rand.New(rand.NewPCG(3, 4))
	fields := []record.Field{record.RespCode, record.RespSubcode, record.PaymentMethod, record.Channel, record.RespMsg,
		record.TerminalModel, record.TerminalFirmware, record.MCC, record.Region}
	vals := make([][]string, n)
	var arena []byte
	for i := range vals {
		w := rng.IntN(total)
		var p ruleRow
		for _, r := range ruleMix {
			if w < r.weight {
				p = r
				break
			}
			w -= r.weight
		}
		msg := p.msg
		if strings.Contains(msg, "%d") {
			msg = fmt.Sprintf(msg, 4200000000000000000+rng.Int64N(1e17))
		}
		t := benchTerminals[rng.IntN(len(benchTerminals))]
		vals[i] = []string{p.code, p.sub, p.pm, p.ch, msg, t[0], t[1], benchMCC[rng.IntN(len(benchMCC))], benchRegions[rng.IntN(len(benchRegions))]}
		for _, v := range vals[i] {
			arena = append(arena, v...)
		}
	}
	s := string(arena)
	b := &record.Batch{Len: n}
	off := 0
	for _, f := range fields {
		b.Text[f] = make([]string, n)
	}
	for i := range vals {
		for j, f := range fields {
			l := len(vals[i][j])
			b.Text[f][i] = s[off : off+l]
			off += l
		}
	}
	return b
}

// codesOnlyRules writes the embedded code tables alone (no conditional
// rules, no capability facts) as a rules file: the baseline the
// conditional rules must not slow down by more than 10%.
func codesOnlyRules(b testing.TB) Options {
	s := string(defaultRulesTOML)
	i := strings.Index(s, "\n[codes]\n")
	if i < 0 {
		b.Fatal("no [codes] in rules.toml")
	}
	p := filepath.Join(b.TempDir(), "codes.toml")
	if err := os.WriteFile(p, []byte(s[i:]), 0o644); err != nil {
		b.Fatal(err)
	}
	return Options{NoDefaultRules: true, RulesFiles: []string{p}}
}

// BenchmarkRules compares the code tables alone with the full default
// rules (keywords, capabilities with a fleet table, ambiguous codes) over
// the same realistic batch with every field present.
func BenchmarkRules(b *testing.B) {
	const rows = 8192
	batch := ruleBatch(rows)
	full := Options{CapabilitiesFiles: []string{"testdata/fleet.toml"}}
	for _, rs := range []struct {
		name string
		opts Options
	}{{"codes-only", codesOnlyRules(b)}, {"default", full}} {
		c, err := New(rs.opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("rules="+rs.name+"/rows=8192/warm", func(b *testing.B) {
			m := c.NewMatcher()
			m.ClassifyBatch(batch)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.ClassifyBatch(batch)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}
