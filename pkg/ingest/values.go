package ingest

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/payops/analyze/pkg/record"
)

// Vocabularies map the many spellings exports use onto fixed ids. Keys are
// lower-case and trimmed. A value outside them is kept as it is and counted
// as a miss in the summary.
var paymentMethods = vocab(map[string][]string{
	"huabei":         {"花呗", "hb", "花呗分期", "花呗支付", "pcredit"},
	"alipay_balance": {"支付宝", "余额", "alipay", "支付宝余额", "余额宝", "alipay_wallet"},
	"wechat":         {"微信", "微信支付", "wx", "weixin", "wechatpay", "wechat_pay", "wxpay"},
	"unionpay_qr":    {"银联二维码", "云闪付", "upqr", "银联扫码", "unionpay", "quickpass_qr", "银联"},
	"credit_card":    {"信用卡", "贷记卡", "credit", "准贷记卡"},
	"debit_card":     {"借记卡", "debit", "储蓄卡"},
})

var channels = vocab(map[string][]string{
	"card_swipe":  {"刷卡", "磁条", "swipe", "magstripe", "磁条卡"},
	"card_chip":   {"插卡", "ic", "ic卡", "芯片", "chip", "芯片卡", "emv"},
	"contactless": {"挥卡", "闪付", "nfc", "非接", "quickpass", "tap", "非接触"},
	"qr_scan":     {"被扫", "付款码", "b扫c", "条码支付", "barcode", "micropay", "扫码枪", "付款码支付"},
	"qr_present":  {"主扫", "收款码", "c扫b", "扫码支付", "native", "静态码", "动态码"},
})

var txnKinds = func() map[string]record.TxnKind {
	m := map[string]record.TxnKind{}
	add := func(k record.TxnKind, names ...string) {
		for _, n := range names {
			m[n] = k
		}
	}
	add(record.Purchase, "", "purchase", "消费", "sale", "支付", "pay", "payment", "交易", "收款")
	add(record.Void, "void", "撤销", "消费撤销", "cancel")
	add(record.Refund, "refund", "退货", "退款")
	add(record.Reversal, "reversal", "冲正", "消费冲正", "reverse")
	return m
}()

func vocab(in map[string][]string) map[string]string {
	m := make(map[string]string)
	for id, names := range in {
		m[id] = id
		for _, n := range names {
			m[strings.ToLower(n)] = id
		}
	}
	return m
}

// lookupVocab normalizes s through v. It avoids allocating for the common
// case of an already lower-case value.
func lookupVocab(v map[string]string, s string) (string, bool) {
	if id, ok := v[s]; ok {
		return id, true
	}
	t := strings.ToLower(strings.TrimSpace(s))
	id, ok := v[t]
	return id, ok
}

func lookupKind(s string) (record.TxnKind, bool) {
	if k, ok := txnKinds[s]; ok {
		return k, true
	}
	k, ok := txnKinds[strings.ToLower(strings.TrimSpace(s))]
	return k, ok
}

// normCode trims and upper-cases a response code and restores the leading
// zero a spreadsheet took from a one-digit numeric code ("5" → "05").
func normCode(s string) string {
	if len(s) == 2 && isCodeByte(s[0]) && isCodeByte(s[1]) {
		return s // the common case: "00", "51", "A0"
	}
	s = strings.TrimSpace(s)
	if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
		return "0" + s
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

var (
	errAmount   = errors.New("expected a decimal amount such as 1234.50")
	errNegative = errors.New("negative purchase amount")
)

// parseAmount parses an exact decimal into minor units with the given
// number of digits. It accepts thousands separators, a leading currency
// sign (¥ ￥ $ RMB CNY) and surrounding spaces; in fen mode (digits of the
// input = 0) it accepts only integers. It never goes through float64.
func parseAmount(s string, digits int, fen bool) (int64, error) {
	if n := len(s); n == 0 || !isDigitByte(s[n-1]) || !(isDigitByte(s[0]) || s[0] == '-' || s[0] == '.') {
		s = strings.TrimSpace(s)
		for _, p := range []string{"¥", "￥", "$", "RMB", "CNY", "元"} {
			s = strings.TrimPrefix(s, p)
			s = strings.TrimSuffix(s, p)
		}
		s = strings.TrimSpace(s)
	}
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, errAmount
	}
	var v int64
	intDigits, frac := 0, -1
	lastComma := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if frac >= 0 {
				frac++
			} else {
				intDigits++
			}
			if v > (1<<62)/10 {
				return 0, fmt.Errorf("amount %q out of range", s)
			}
			v = v*10 + int64(c-'0')
		case c == ',' && frac < 0:
			// thousands separator: must be followed by exactly three digits
			if intDigits == 0 || (lastComma >= 0 && i-lastComma != 4) {
				return 0, errAmount
			}
			lastComma = i
		case c == '.' && frac < 0:
			if lastComma >= 0 && i-lastComma != 4 {
				return 0, errAmount
			}
			frac = 0
		default:
			return 0, errAmount
		}
	}
	if lastComma >= 0 && frac < 0 && len(s)-lastComma != 4 {
		return 0, errAmount
	}
	if intDigits == 0 && frac <= 0 {
		return 0, errAmount
	}
	if frac < 0 {
		frac = 0
	}
	if fen {
		if frac > 0 {
			return 0, fmt.Errorf("amount %q has decimals but --amount-unit is fen (integer minor units)", s)
		}
	} else {
		if frac > digits {
			return 0, fmt.Errorf("amount %q has %d decimals, more than the currency's %d", s, frac, digits)
		}
		for ; frac < digits; frac++ {
			if v > (1<<62)/10 {
				return 0, fmt.Errorf("amount %q out of range", s)
			}
			v *= 10
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

var errTime = errors.New("expected a time as yyyy-MM-dd HH:mm:ss, yyyy/MM/dd HH:mm:ss, yyyyMMddHHmmss or RFC 3339")

// timeParser turns local timestamps into Unix seconds. It caches the start
// of the last hour it resolved, since rows arrive roughly in time order and
// time.Date is the expensive part.
type timeParser struct {
	loc      *time.Location
	lastKey  int64
	lastBase int64
}

func newTimeParser(loc *time.Location) *timeParser { return &timeParser{loc: loc, lastKey: -1} }

func digitsAt(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parse accepts "2006-01-02 15:04:05", "2006/01/02 15:04:05",
// "20060102150405", "2006-01-02T15:04:05" (local), each with an optional
// fraction of a second, and RFC 3339 with a zone.
func (p *timeParser) parse(s string) (int64, error) {
	s = strings.TrimSpace(s)
	var y, mo, d, h, mi, sec int
	var ok1, ok2, ok3, ok4, ok5, ok6 bool
	rest := ""
	switch {
	case len(s) >= 19 && (s[4] == '-' || s[4] == '/') && s[7] == s[4] && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':':
		y, ok1 = digitsAt(s, 0, 4)
		mo, ok2 = digitsAt(s, 5, 2)
		d, ok3 = digitsAt(s, 8, 2)
		h, ok4 = digitsAt(s, 11, 2)
		mi, ok5 = digitsAt(s, 14, 2)
		sec, ok6 = digitsAt(s, 17, 2)
		rest = s[19:]
	case len(s) == 14:
		y, ok1 = digitsAt(s, 0, 4)
		mo, ok2 = digitsAt(s, 4, 2)
		d, ok3 = digitsAt(s, 6, 2)
		h, ok4 = digitsAt(s, 8, 2)
		mi, ok5 = digitsAt(s, 10, 2)
		sec, ok6 = digitsAt(s, 12, 2)
	default:
		return 0, errTime
	}
	// Years before 1900 are placeholders for "no time" (0000-00-00 ...),
	// never real transactions.
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || y < 1900 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 60 {
		return 0, errTime
	}
	// optional fraction
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return 0, errTime
		}
		rest = rest[i:]
	}
	if rest != "" {
		if s[10] != 'T' && s[10] != ' ' {
			return 0, errTime
		}
		// a zone: Z or ±hh:mm
		t, err := time.Parse(time.RFC3339Nano, strings.Replace(s[:10], "/", "-", 2)+"T"+s[11:])
		if err != nil {
			return 0, errTime
		}
		return t.Unix(), nil
	}
	key := int64(y)*1000000 + int64(mo)*10000 + int64(d)*100 + int64(h)
	if key != p.lastKey {
		p.lastBase = time.Date(y, time.Month(mo), d, h, 0, 0, 0, p.loc).Unix()
		p.lastKey = key
	}
	return p.lastBase + int64(mi)*60 + int64(sec), nil
}

// joinDateTime joins a split date ("20261121" or "2026-11-21") and time
// ("143005" or "14:30:05") into "20261121143005".
func joinDateTime(date, tm string) (string, bool) {
	date = strings.TrimSpace(date)
	tm = strings.TrimSpace(tm)
	var b [14]byte
	n := 0
	for i := 0; i < len(date); i++ {
		c := date[i]
		if c >= '0' && c <= '9' {
			if n == 8 {
				return "", false
			}
			b[n] = c
			n++
		} else if c != '-' && c != '/' {
			return "", false
		}
	}
	if n != 8 {
		return "", false
	}
	for i := 0; i < len(tm); i++ {
		c := tm[i]
		if c >= '0' && c <= '9' {
			if n == 14 {
				return "", false
			}
			b[n] = c
			n++
		} else if c != ':' {
			return "", false
		}
	}
	if n == 13 { // 93005 → 093005
		copy(b[9:], b[8:13])
		b[8] = '0'
		n = 14
	}
	if n != 14 {
		return "", false
	}
	return string(b[:]), true
}

func isCodeByte(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' }

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
