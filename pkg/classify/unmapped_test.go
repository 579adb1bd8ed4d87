package classify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/payops/analyze/pkg/record"
)

func unmappedBatch(source string, fileIndex int, rows [][4]string, lines []int64) *record.Batch {
	b := &record.Batch{Source: source, FileIndex: fileIndex, Len: len(rows), Line: lines}
	for _, f := range []record.Field{record.RespCode, record.RespSubcode, record.PaymentMethod, record.RespMsg} {
		b.Text[f] = make([]string, len(rows))
	}
	for i, r := range rows {
		b.Text[record.RespCode][i], b.Text[record.RespSubcode][i], b.Text[record.PaymentMethod][i], b.Text[record.RespMsg][i] = r[0], r[1], r[2], r[3]
	}
	return b
}

func TestUnmapped(t *testing.T) {
	c := mustNew(t, Options{})
	m := c.NewMatcher()
	b1 := unmappedBatch("a.csv", 0, [][4]string{
		{"ZZ", "", "credit_card", "交易失败 订单20261121000123"},
		{"ZZ", "", "credit_card", "交易失败 订单20261121999999"}, // same key once digits collapse
		{"00", "", "credit_card", ""},                      // approved: not counted
		{"40004", "ACQ.NEW_THING", "huabei", "新错误  码 12"},
		{"ZZ", "", "credit_card", "交易失败 订单1"},
		{"", "", "wechat", "交易失败"},
	}, []int64{10, 11, 12, 13, 14, 15})
	m.ClassifyBatch(b1)
	b1.Kind = []record.TxnKind{record.Purchase, record.Purchase, record.Purchase, record.Purchase, record.Refund, record.Purchase}
	b2 := unmappedBatch("b.csv", 1, [][4]string{
		{"ZZ", "", "credit_card", "交易失败 订单7"},
		{"40004", "ACQ.NEW_THING", "huabei", "新错误 码 13"},
	}, []int64{2, 3})
	m.ClassifyBatch(b2)
	b2.Dup = []bool{false, true}

	// Two collectors merged give what one gets, whatever the order.
	one := NewUnmapped()
	one.Add(b2)
	one.Add(b1)
	x, y := NewUnmapped(), NewUnmapped()
	x.Add(b2)
	y.Add(b1)
	x.Merge(y)
	for _, u := range []*Unmapped{one, x} {
		rows := u.Rows()
		got := []string{}
		for _, r := range rows {
			got = append(got, fmt.Sprintf("%s|%s|%s|%s|%d|%s:%d", r.Namespace, r.Code, r.Subcode, r.Message, r.Count, r.File, r.Line))
		}
		want := []string{
			"cup|ZZ||交易失败 订单#|3|a.csv:10", // the refund on line 14 is not an attempt
			"|||交易失败|1|a.csv:15",
			"alipay|40004|ACQ.NEW_THING|新错误 码 #|1|a.csv:13", // the duplicate in b.csv is not counted
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestUnmappedBounded(t *testing.T) {
	u := NewUnmapped()
	u.limit = 3
	for i := 0; i < 20; i++ {
		u.add(record.NSCUP, fmt.Sprintf("Z%d", i%8), "", fmt.Sprintf("msg %c", 'a'+i), 1, "f", 0, int64(i+1))
	}
	if n := len(u.rows); n > 2*u.limit {
		t.Errorf("%d keys, bound %d", n, 2*u.limit)
	}
	var total int64
	for _, r := range u.Rows() {
		total += r.Count
	}
	if total+u.Dropped != 20 {
		t.Errorf("counted %d + dropped %d, want 20", total, u.Dropped)
	}
	if u.Dropped == 0 {
		t.Error("nothing dropped past twice the bound")
	}
}

func TestNormalizeMessage(t *testing.T) {
	for in, want := range map[string]string{
		"交易失败(订单号4200001234202611210123456789)": "交易失败(订单号#)",
		"  a   b\tc ":            "a b c",
		"101 付款码已过期":             "# 付款码已过期",
		"":                       "",
		strings.Repeat("错", 200): strings.Repeat("错", MaxMessageRunes),
	} {
		if got := string(normalizeMessage(nil, in)); got != want {
			t.Errorf("normalizeMessage(%q) = %q, want %q", in, got, want)
		}
	}
}
