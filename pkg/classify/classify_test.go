package classify

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"unsafe"

	"github.com/payops/analyze/pkg/record"
)

const (
	nsNone   = record.NSNone
	nsISO    = record.NSISO8583
	nsCUP    = record.NSCUP
	nsUPI    = record.NSUPIQR
	nsAlipay = record.NSAlipay
	nsWechat = record.NSWechat
)

func newDefault(t testing.TB) *Classifier {
	t.Helper()
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInferNS(t *testing.T) {
	for _, c := range []struct {
		code, pm string
		want     record.Namespace
	}{
		{"", "", nsNone},
		{"ACQ.SYSTEM_ERROR", "", nsAlipay},
		{"ACQ.SYSTEM_ERROR", "wechat", nsAlipay},
		{"ISP.UNKNOW-ERROR", "", nsAlipay},
		{"AOP.UNKNOW-ERROR", "", nsAlipay},
		{"ACQ.", "", nsNone},
		{"10000", "", nsAlipay},
		{"10003", "wechat", nsAlipay},
		{"20000", "", nsAlipay},
		{"20001", "", nsAlipay},
		{"40001", "", nsAlipay},
		{"40002", "", nsAlipay},
		{"40004", "", nsAlipay},
		{"40006", "", nsAlipay},
		{"40005", "", nsNone},
		{"12345", "", nsNone},
		{"SYSTEMERROR", "", nsWechat},
		{"SYSTEMERROR", "wechat", nsWechat},
		{"SYSTEMERROR", "huabei", nsAlipay},
		{"SYSTEMERROR", "alipay_balance", nsAlipay},
		{"SYSTEMERROR", "credit_card", nsWechat},
		{"NOT_UTF8", "", nsWechat},
		{"FAIL", "", nsWechat},
		{"USERPAYING", "wechat", nsWechat},
		{"51", "", nsCUP},
		{"51", "credit_card", nsCUP},
		{"51", "debit_card", nsCUP},
		{"51", "unionpay_qr", nsUPI},
		{"51", "wechat", nsCUP},
		{"51", "某银行卡", nsCUP}, // a vocabulary miss is kept as is
		{"A0", "", nsCUP},
		{"Y1", "unionpay_qr", nsUPI},
		{"100", "", nsISO},
		{"000", "", nsISO},
		{"10A", "", nsNone},
		{"000000", "", nsNone},
		{"W10", "", nsNone},
		{"1234", "", nsNone},
		{"FAIL!", "", nsNone},
	} {
		if got := inferNS(c.code, c.pm); got != c.want {
			t.Errorf("inferNS(%q, %q) = %q, want %q", c.code, c.pm, got, c.want)
		}
	}
}

type classifyCase struct {
	code, sub, pm, ch string
	want              record.Outcome
	ns                record.Namespace
}

func runCases(t *testing.T, c *Classifier, cases []classifyCase) {
	t.Helper()
	m := c.NewMatcher()
	for pass := 0; pass < 2; pass++ { // the second pass reads the cache
		for _, tc := range cases {
			o, ns := m.Classify(tc.code, tc.sub, tc.pm, tc.ch)
			if o != tc.want || ns != tc.ns {
				t.Errorf("pass %d: Classify(%q, %q, %q, %q) = %s/%q, want %s/%q",
					pass, tc.code, tc.sub, tc.pm, tc.ch, o, ns, tc.want, tc.ns)
			}
		}
	}
}

func TestClassify(t *testing.T) {
	runCases(t, newDefault(t), []classifyCase{
		// success and pending
		{"00", "", "credit_card", "card_chip", record.Approved, nsCUP},
		{"00", "", "unionpay_qr", "qr_scan", record.Approved, nsUPI},
		{"08", "", "debit_card", "card_swipe", record.Approved, nsISO}, // not in cup: iso8583 fallback
		{"SUCCESS", "", "wechat", "qr_scan", record.Approved, nsWechat},
		{"10000", "", "huabei", "qr_scan", record.Approved, nsAlipay},
		{"000000", "", "wechat", "qr_scan", record.Approved, nsNone},
		{"000000", "", "", "", record.Approved, nsNone},
		{"000", "", "credit_card", "", record.Approved, nsISO},
		{"USERPAYING", "", "wechat", "qr_scan", record.Pending, nsWechat},
		{"10003", "", "huabei", "qr_scan", record.Pending, nsAlipay},
		{"04", "", "unionpay_qr", "qr_present", record.Pending, nsUPI},
		{"04", "", "credit_card", "card_chip", record.ConsumerAccount, nsCUP},
		// letter codes
		{"A0", "", "credit_card", "card_chip", record.Security, nsCUP},
		{"A2", "", "debit_card", "card_swipe", record.Pending, nsCUP},
		{"A7", "", "debit_card", "", record.Security, nsCUP},
		{"C1", "", "", "", record.SystemMaintenance, nsCUP},
		{"DB", "", "", "", record.InterfaceIntegration, nsCUP},
		{"Z3", "", "credit_card", "card_chip", record.Network, nsCUP},
		{"F0", "", "", "", record.Unknown, nsCUP}, // 2c, not in the default table
		{"W8", "", "", "", record.Unknown, nsCUP},
		// plain declines
		{"51", "", "credit_card", "card_chip", record.ConsumerAccount, nsCUP},
		{"96", "", "debit_card", "card_swipe", record.SystemMaintenance, nsCUP},
		{"17", "", "debit_card", "card_swipe", record.OperatorError, nsISO},
		{"17", "", "unionpay_qr", "qr_scan", record.OperatorError, nsISO},
		{"102", "", "", "", record.RiskControl, nsISO},
		{"ACQ.PAYMENT_REQUEST_HAS_RISK", "", "huabei", "qr_scan", record.RiskControl, nsAlipay},
		{"ISP.UNKNOW-ERROR", "", "huabei", "", record.SystemMaintenance, nsAlipay},
		{"AOP.UNKNOW-ERROR", "", "", "", record.SystemMaintenance, nsAlipay},
		{"20000", "", "", "", record.SystemMaintenance, nsAlipay},
		{"40006", "", "", "", record.MerchantNotEnabled, nsAlipay},
		{"NOAUTH", "", "wechat", "qr_scan", record.MerchantNotEnabled, nsWechat},
		{"NOT_UTF8", "", "", "", record.InterfaceIntegration, nsWechat},
		{"CLOSED", "", "wechat", "", record.OperatorError, nsWechat},
		{"PAYERROR", "", "wechat", "", record.Unknown, nsWechat},
		{"ACQ.TRADE_NOT_ALLOW_REFUND", "", "huabei", "", record.Unknown, nsAlipay},
	})
}

func TestSubcodes(t *testing.T) {
	runCases(t, newDefault(t), []classifyCase{
		{"40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "alipay_balance", "qr_scan", record.ConsumerAccount, nsAlipay},
		{"40004", "ACQ.BUYER_BALANCE_NOT_ENOUGH", "", "", record.ConsumerAccount, nsAlipay},
		{"40004", "ACQ.ZM_CREDIT_AUTH_FAIL", "huabei", "qr_scan", record.ConsumerCredit, nsAlipay},
		{"FAIL", "NOTENOUGH", "wechat", "qr_scan", record.ConsumerAccount, nsWechat},
		{"FAIL", "NOTENOUGH", "", "", record.ConsumerAccount, nsWechat},
		{"FAIL", "SYSTEMERROR", "wechat", "qr_scan", record.SystemMaintenance, nsWechat},
		{"FAIL", "USERPAYING", "wechat", "qr_scan", record.Pending, nsWechat},
		// the sub-code decides over a code that has its own row
		{"20000", "ACQ.PAYMENT_REQUEST_HAS_RISK", "huabei", "", record.RiskControl, nsAlipay},
		{"SYSTEMERROR", "NOTENOUGH", "wechat", "", record.ConsumerAccount, nsWechat},
		// a sub-code in no table falls back to the code
		{"40004", "ACQ.SOMETHING_NEW", "huabei", "qr_scan", record.Unknown, nsAlipay},
		{"20000", "ACQ.SOMETHING_NEW", "huabei", "", record.SystemMaintenance, nsAlipay},
		{"SYSTEMERROR", "SOMETHING_NEW", "wechat", "", record.SystemMaintenance, nsWechat},
		{"96", "XX", "", "", record.SystemMaintenance, nsCUP},
		{"FAIL", "SOMETHING_NEW", "wechat", "", record.Unknown, nsWechat},
		// a bare word under an Alipay code is read as Alipay
		{"40004", "NOTENOUGH", "wechat", "", record.Unknown, nsAlipay},
		// huabei turns word codes to alipay: WeChat's NOTENOUGH is not there
		{"FAIL", "NOTENOUGH", "huabei", "", record.Unknown, nsAlipay},
		// only a sub-code
		{"", "ACQ.SYSTEM_ERROR", "", "", record.SystemMaintenance, nsAlipay},
		{"", "ACQ.SOMETHING_NEW", "", "", record.Unknown, nsAlipay},
	})
}

func TestUnknown(t *testing.T) {
	runCases(t, newDefault(t), []classifyCase{
		{"", "", "", "", record.Unknown, nsNone},
		{"", "", "wechat", "qr_scan", record.Unknown, nsNone},
		{"ZZ", "", "credit_card", "", record.Unknown, nsCUP},
		{"ZZ", "", "unionpay_qr", "", record.Unknown, nsUPI},
		{"999", "", "", "", record.Unknown, nsISO},
		{"1234", "", "", "", record.Unknown, nsNone},
		{"NO_SUCH_CODE", "", "wechat", "", record.Unknown, nsWechat},
		{"ACQ.NO_SUCH_CODE", "", "", "", record.Unknown, nsAlipay},
		{"交易失败", "", "", "", record.Unknown, nsNone},
		{"40004", "", "huabei", "", record.Unknown, nsAlipay},
	})
}

// TestCollisions checks the codes the reference lists as meaning different
// things in different namespaces. Where the reference's suggested
// categories happen to coincide (05, 42 and 64), the test pins that too.
func TestCollisions(t *testing.T) {
	c := newDefault(t)
	const (
		CA = record.ConsumerAccount
		RC = record.RiskControl
		II = record.InterfaceIntegration
		OE = record.OperatorError
		UN = record.Unknown
	)
	for _, tc := range []struct {
		code          string
		iso, cup, upi record.Outcome // Unknown with !ok where a namespace lacks the code
	}{
		{"05", CA, CA, CA},                         // do not honor / identity check failed / cardholder verification: all consumer_account
		{"38", CA, CA, RC},                         // PIN tries / PIN tries / UnionPay risk management
		{"55", CA, CA, II},                         // wrong PIN / wrong PIN / invalid device id
		{"59", RC, CA, UN},                         // suspected fraud / CVN check failed
		{"64", OE, OE, UN},                         // original amount incorrect in both (ISO-PE's AML reading not taken)
		{"98", CA, record.Network, record.Network}, // exceeds cash limit / issuer timeout / timeout
		{"97", UN, record.MerchantNotEnabled, UN},  // reserved / terminal not registered
		{"99", UN, record.Security, UN},            // reserved / PIN format error / other error
		{"42", CA, CA, UN},                         // no universal account / no account (2b)
		{"22", record.TerminalFault, OE, UN},       // suspected malfunction / related-transaction error
	} {
		for _, x := range []struct {
			ns   record.Namespace
			want record.Outcome
		}{{nsISO, tc.iso}, {nsCUP, tc.cup}, {nsUPI, tc.upi}} {
			got, ok := c.Lookup(x.ns, tc.code)
			if !ok {
				got = UN
			}
			if got != x.want {
				t.Errorf("Lookup(%s, %s) = %s, want %s", x.ns, tc.code, got, x.want)
			}
		}
	}
	// Inference picks the namespace, so the same code on a card row and a
	// UnionPay QR row gets different causes.
	runCases(t, c, []classifyCase{
		{"38", "", "credit_card", "card_chip", CA, nsCUP},
		{"38", "", "unionpay_qr", "qr_scan", RC, nsUPI},
		{"55", "", "debit_card", "card_chip", CA, nsCUP},
		{"55", "", "unionpay_qr", "qr_scan", II, nsUPI},
		{"98", "", "credit_card", "card_swipe", record.Network, nsCUP},
		{"99", "", "credit_card", "card_swipe", record.Security, nsCUP},
		{"99", "", "unionpay_qr", "qr_scan", UN, nsUPI},
		{"59", "", "unionpay_qr", "qr_scan", RC, nsISO}, // not a UPI code: iso8583 fallback
		{"22", "", "credit_card", "card_chip", OE, nsCUP},
	})
}

func TestClassifyBatch(t *testing.T) {
	m := newDefault(t).NewMatcher()
	b := &record.Batch{Len: 4}
	b.Text[record.RespCode] = []string{"00", "51", "40004", ""}
	b.Text[record.RespSubcode] = []string{"", "", "ACQ.BUYER_BALANCE_NOT_ENOUGH", ""}
	b.Text[record.PaymentMethod] = []string{"credit_card", "unionpay_qr", "huabei", "wechat"}
	// channel absent
	b.Outcome = make([]record.Outcome, 1, 100) // reused when large enough
	m.ClassifyBatch(b)
	wantO := []record.Outcome{record.Approved, record.ConsumerAccount, record.ConsumerAccount, record.Unknown}
	wantNS := []record.Namespace{nsCUP, nsUPI, nsAlipay, nsNone}
	if len(b.Outcome) != 4 || cap(b.Outcome) != 100 || len(b.NS) != 4 {
		t.Fatalf("len(Outcome) %d cap %d len(NS) %d", len(b.Outcome), cap(b.Outcome), len(b.NS))
	}
	for i := range wantO {
		if b.Outcome[i] != wantO[i] || b.NS[i] != wantNS[i] {
			t.Errorf("row %d: %s/%q, want %s/%q", i, b.Outcome[i], b.NS[i], wantO[i], wantNS[i])
		}
	}

	// No code column at all: every row is unknown, none is dropped.
	b2 := &record.Batch{Len: 3}
	m.ClassifyBatch(b2)
	for i := 0; i < 3; i++ {
		if b2.Outcome[i] != record.Unknown || b2.NS[i] != nsNone {
			t.Errorf("no columns, row %d: %s/%q", i, b2.Outcome[i], b2.NS[i])
		}
	}

	// Shrinking batch: Outcome follows Len.
	b.Len = 2
	m.ClassifyBatch(b)
	if len(b.Outcome) != 2 || len(b.NS) != 2 {
		t.Errorf("after shrink: %d/%d rows", len(b.Outcome), len(b.NS))
	}
	b.Len = 0
	m.ClassifyBatch(b)
	if len(b.Outcome) != 0 {
		t.Errorf("empty batch: %d outcomes", len(b.Outcome))
	}
}

// TestCacheDoesNotAlias checks that the cache keeps its own copies of the
// batch strings, which ingest may reuse after the batch.
func TestCacheDoesNotAlias(t *testing.T) {
	m := newDefault(t).NewMatcher()
	buf := []byte("51")
	b := &record.Batch{Len: 1}
	b.Text[record.RespCode] = []string{unsafe.String(&buf[0], len(buf))} // like an arena
	m.ClassifyBatch(b)
	buf[0] = '9' // the arena is reused for the next batch
	for k := range m.cache {
		if k.code != "51" {
			t.Fatalf("cache key %q", k.code)
		}
	}
	if o, _ := m.Classify("51", "", "", ""); o != record.ConsumerAccount {
		t.Errorf("51 = %s", o)
	}
}

func TestCacheBounded(t *testing.T) {
	m := newDefault(t).NewMatcher()
	for i := 0; i < maxCache+10; i++ {
		m.Classify(strconv.Itoa(i), "", "", "")
		if len(m.cache) > maxCache {
			t.Fatalf("cache grew to %d", len(m.cache))
		}
	}
	if o, _ := m.Classify("51", "", "", ""); o != record.ConsumerAccount {
		t.Errorf("after clearing: 51 = %s", o)
	}
}

// TestSharedClassifier runs matchers on one Classifier from several
// goroutines; run with -race.
func TestSharedClassifier(t *testing.T) {
	c := newDefault(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := c.NewMatcher()
			for i := 0; i < 1000; i++ {
				if o, _ := m.Classify("51", "", "credit_card", ""); o != record.ConsumerAccount {
					t.Errorf("51 = %s", o)
					return
				}
				m.Classify(strconv.Itoa(i%97), "", "", "")
			}
		}()
	}
	wg.Wait()
}

// TestMessageCacheKey: messages that differ only by order numbers share
// second-level cache entries, since the key holds which keywords matched,
// never the text; and a warm Matcher allocates nothing.
func TestMessageCacheKey(t *testing.T) {
	c := mustNew(t, Options{CapabilitiesFiles: []string{"testdata/fleet.toml"}})
	m := c.NewMatcher()
	b := &record.Batch{Len: 1000}
	for _, f := range []record.Field{record.RespCode, record.RespSubcode, record.PaymentMethod, record.Channel, record.RespMsg} {
		b.Text[f] = make([]string, b.Len)
	}
	for i := 0; i < b.Len; i++ {
		b.Text[record.RespCode][i] = "FAIL"
		b.Text[record.RespSubcode][i] = "TRADE_ERROR"
		b.Text[record.PaymentMethod][i] = "wechat"
		b.Text[record.Channel][i] = "qr_scan"
		msgs := []string{"交易错误(订单号%d)", "余额不足(订单号%d)", "USERPAYING 余额不足 %d"}
		b.Text[record.RespMsg][i] = fmt.Sprintf(msgs[i%3], 420000123420261121+i)
	}
	m.ClassifyBatch(b)
	for i := 0; i < 3; i++ {
		want := []record.Outcome{record.ConsumerAccount, record.ConsumerAccount, record.ConsumerAccount}[i]
		if b.Outcome[i] != want {
			t.Errorf("row %d: %s", i, b.Outcome[i])
		}
	}
	if len(m.cache2) > 3 || len(m.kwSets) > 3 {
		t.Errorf("1000 messages made %d second-level entries and %d keyword sets", len(m.cache2), len(m.kwSets))
	}
	for k := range m.cache2 {
		if k.model != "" || k.fw != "" || k.mcc != "" || k.region != "" {
			t.Errorf("key holds fields the decision does not read: %+v", k)
		}
	}
	batch := ruleBatch(4096)
	m.ClassifyBatch(batch)
	if a := testing.AllocsPerRun(5, func() { m.ClassifyBatch(batch) }); a != 0 {
		t.Errorf("warm ClassifyBatch: %.0f allocations", a)
	}
	refs := m.ClassifyBatchRefs(batch, nil)
	if a := testing.AllocsPerRun(5, func() { refs = m.ClassifyBatchRefs(batch, refs) }); a != 0 {
		t.Errorf("warm ClassifyBatchRefs: %.0f allocations", a)
	}
}

// TestSecondLevelBounded: unique junk in the second-level fields clears
// the cache instead of growing it, and classification stays right.
func TestSecondLevelBounded(t *testing.T) {
	c := mustNew(t, Options{CapabilitiesFiles: []string{"testdata/fleet.toml"}})
	m := c.NewMatcher()
	for i := 0; i < maxCache2+100; i++ {
		o, _ := classifyRow(m, Row{Code: "58", Channel: "qr_scan", PaymentMethod: "huabei", TerminalModel: "Newland ME31", TerminalFirmware: "2.3." + strconv.Itoa(i)})
		if o != record.TerminalIncompatible {
			t.Fatalf("row %d: %s", i, o)
		}
		if len(m.cache2) > maxCache2 {
			t.Fatalf("second level grew to %d", len(m.cache2))
		}
	}
}
