package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/record"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		fen    bool
		want   int64
		errSub string
	}{
		{"23.50", 2, false, 2350, ""},
		{"23.5", 2, false, 2350, ""},
		{"23", 2, false, 2300, ""},
		{"0.01", 2, false, 1, ""},
		{".5", 2, false, 50, ""},
		{"1,234.00", 2, false, 123400, ""},
		{"1,234,567.89", 2, false, 123456789, ""},
		{"¥12.00", 2, false, 1200, ""},
		{"￥ 12.00", 2, false, 1200, ""},
		{"RMB12", 2, false, 1200, ""},
		{" -5.00 ", 2, false, -500, ""},
		{"+5", 2, false, 500, ""},
		{"1000", 0, false, 1000, ""},
		{"2350", 2, true, 2350, ""},
		{"1.234", 2, false, 0, "3 decimals"},
		{"1.5", 0, false, 0, "1 decimals"},
		{"23.50", 2, true, 0, "fen"},
		{"12.3.4", 2, false, 0, "expected a decimal"},
		{"1,23.00", 2, false, 0, "expected a decimal"},
		{"1,2345", 2, false, 0, "expected a decimal"},
		{",100", 2, false, 0, "expected a decimal"},
		{"", 2, false, 0, "expected a decimal"},
		{"-", 2, false, 0, "expected a decimal"},
		{"abc", 2, false, 0, "expected a decimal"},
		{"1e5", 2, false, 0, "expected a decimal"},
		{"99999999999999999999", 2, false, 0, "out of range"},
	}
	for _, tt := range tests {
		got, err := parseAmount(tt.in, tt.digits, tt.fen)
		if tt.errSub != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errSub) {
				t.Errorf("parseAmount(%q) err = %v, want %q", tt.in, err, tt.errSub)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseAmount(%q, %d, %v) = %d, %v; want %d", tt.in, tt.digits, tt.fen, got, err, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	p := newTimeParser(shanghai)
	base := time.Date(2026, 11, 21, 14, 30, 5, 0, shanghai).Unix()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"2026-11-21 14:30:05", base, true},
		{"2026/11/21 14:30:05", base, true},
		{"20261121143005", base, true},
		{"2026-11-21T14:30:05", base, true},
		{"2026-11-21 14:30:05.123", base, true},
		{"2026-11-21T06:30:05Z", base, true},
		{"2026-11-21T14:30:05+08:00", base, true},
		{" 2026-11-21 14:30:05 ", base, true},
		{"2024-02-29 00:00:00", time.Date(2024, 2, 29, 0, 0, 0, 0, shanghai).Unix(), true},
		{"2026-02-29 00:00:00", 0, false},
		{"0000-01-01 00:00:00", 0, false}, // a placeholder, found by the fuzzer
		{"0000-00-00 00:00:00", 0, false},
		{"2026-13-01 00:00:00", 0, false},
		{"2026-11-21 24:00:00", 0, false},
		{"2026-11-21", 0, false},
		{"yesterday", 0, false},
		{"2026-11-21 14:30:05 junk", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := p.parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parse(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	ny, _ := time.LoadLocation("America/New_York")
	p = newTimeParser(ny)
	// across a DST change the cache must not carry the old offset
	a, _ := p.parse("2026-03-08 01:30:00")
	b, _ := p.parse("2026-03-08 03:30:00")
	if b-a != 3600 {
		t.Errorf("DST: %d seconds between 01:30 and 03:30, want 3600", b-a)
	}
}

func TestJoinDateTime(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"20261121", "143005"}:     "20261121143005",
		{"2026-11-21", "14:30:05"}: "20261121143005",
		{"2026/11/21", "93005"}:    "20261121093005",
	} {
		if got, ok := joinDateTime(in[0], in[1]); !ok || got != want {
			t.Errorf("joinDateTime(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := joinDateTime("2026112", "143005"); ok {
		t.Error("short date accepted")
	}
}

func TestNormCodeAndVocab(t *testing.T) {
	for in, want := range map[string]string{"5": "05", " 00 ": "00", "acq.system_error": "ACQ.SYSTEM_ERROR", "Success": "SUCCESS", "A0": "A0", "": ""} {
		if got := normCode(in); got != want {
			t.Errorf("normCode(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"花呗": "huabei", "Alipay": "alipay_balance", " 微信 ": "wechat", "云闪付": "unionpay_qr", "贷记卡": "credit_card"} {
		if got, ok := lookupVocab(paymentMethods, in); !ok || got != want {
			t.Errorf("payment method %q = %q", in, got)
		}
	}
	for in, want := range map[string]string{"挥卡": "contactless", "IC": "card_chip", "付款码": "qr_scan", "主扫": "qr_present", "磁条": "card_swipe"} {
		if got, ok := lookupVocab(channels, in); !ok || got != want {
			t.Errorf("channel %q = %q", in, got)
		}
	}
	for in, want := range map[string]record.TxnKind{"消费": record.Purchase, "": record.Purchase, "撤销": record.Void, "Refund": record.Refund, "冲正": record.Reversal} {
		if got, ok := lookupKind(in); !ok || got != want {
			t.Errorf("txn type %q = %v", in, got)
		}
	}
}

func TestMapHeader(t *testing.T) {
	m, err := MapHeader("f", []string{" 交易时间 ", "MID", "终端型号", "Amt", "应答码", "extra"}, nil, Required)
	if err != nil {
		t.Fatal(err)
	}
	if m.Index[record.TxnTime] != 0 || m.Index[record.MerchantID] != 1 || m.Index[record.Amount] != 3 || len(m.Ignored) != 1 {
		t.Errorf("mapping %+v", m)
	}
	_, err = MapHeader("f.csv", []string{"商户号", "金额"}, nil, Required)
	if record.KindOf(err) != record.KindSchema || !strings.Contains(err.Error(), "交易时间") || !strings.Contains(err.Error(), "headers found: [商户号, 金额]") {
		t.Errorf("err = %v", err)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"23.50", "1,234.00", "¥1", "-0.5", "1.2.3", "", ",,,", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseAmount(s, 2, false)
		if err != nil {
			return
		}
		// an accepted plain decimal must print back to the same value
		back, err := parseAmount(record.FormatMinor(v, 2), 2, false)
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, record.FormatMinor(v, 2), back, err)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-21 14:30:05", "20261121143005", "2026-11-21T14:30:05Z", "2026/02/30 00:00:00", "x"} {
		f.Add(s)
	}
	p := newTimeParser(shanghai)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := p.parse(s)
		if err != nil {
			return
		}
		if v < -62135596800 || v > 253402300800 {
			t.Fatalf("%q parsed to out-of-range %d", s, v)
		}
	})
}

func FuzzMapHeader(f *testing.F) {
	f.Add("交易时间,商户号,终端型号,交易金额,应答码")
	f.Add("txn_time,merchant_id,terminal_model,amount,resp_code,txn_time")
	f.Add(",,,")
	f.Fuzz(func(t *testing.T, line string) {
		headers := strings.Split(line, ",")
		m, err := MapHeader("f", headers, nil, Required)
		if err != nil {
			if record.KindOf(err) != record.KindSchema {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		for _, idx := range m.Index {
			if idx >= len(headers) {
				t.Fatalf("index %d out of range", idx)
			}
		}
	})
}

// TestVocabMemo: the memo answers as lookupVocab does (unknown values
// trimmed), whatever the order and however the values share slots.
func TestVocabMemo(t *testing.T) {
	vals := []string{"", " ", "qr_scan", "QR_SCAN", " qr_scan ", "card_chip", "主扫", "被扫", "contactless", "unknown thing ", "x", "y", "xx",
		"wechat", "WeChat Pay", "huabei", "花呗", "alipay_balance", "credit_card", "debit_card", "nope"}
	for _, voc := range []map[string]string{channels, paymentMethods} {
		var m vocabMemo
		for i := range 2000 {
			s := vals[(i*7919)%len(vals)]
			id, ok := m.lookup(voc, s)
			wid, wok := lookupVocab(voc, s)
			if !wok {
				wid = strings.TrimSpace(s)
			}
			if id != wid || ok != wok {
				t.Fatalf("lookup(%q) = %q, %v; want %q, %v", s, id, ok, wid, wok)
			}
		}
	}
}
