package record

import (
	"errors"
	"fmt"
	"testing"
)

func TestMaskPANs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"card 4111111111111111 declined", "card 411111******1111 declined"},
		{"4111 1111 1111 1111", "4111 11** **** 1111"},
		{"4111-1111-1111-1111", "4111-11**-****-1111"},
		{"6222021234567890128", "622202*********0128"}, // 19 digits, Luhn-valid
		{"622202******1234", "622202******1234"},
		{"merchant 898581054110000", "merchant 898581054110000"}, // fails Luhn: a merchant id
		{"20261121143005", "20261121143005"},                     // a timestamp
		{"20261121143005000001", "20261121143005000001"},         // 20 digits: an order number
		{"123456789012", "123456789012"},                         // 12 digits: not a PAN
		{"amount 1234.50", "amount 1234.50"},
		{"", ""},
		// every scheme prefix, with Luhn-valid test numbers
		{"5555555555554444", "555555******4444"}, // Mastercard 51-55
		{"2223003122003222", "222300******3222"}, // Mastercard 2-series
		{"378282246310005", "378282*****0005"},   // Amex 37
		{"341111111111111", "341111*****1111"},   // Amex 34
		{"3530111333300000", "353011******0000"}, // JCB
		{"30569309025904", "305693****5904"},     // Diners 30
		{"38520000023237", "385200****3237"},     // Diners 38
		{"36227206271667", "362272****1667"},     // Diners 36
		{"6212345678901232", "621234******1232"}, // UnionPay
		{"1234567890123452", "1234567890123452"}, // Luhn-valid, no scheme prefix
		{"9999999999999995", "9999999999999995"}, // same
		{"2721000000000004", "2721000000000004"}, // just past the Mastercard 2-series
	}
	for _, tt := range tests {
		if got := MaskPANs(tt.in); got != tt.want {
			t.Errorf("MaskPANs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPANsCount(t *testing.T) {
	out, n := MaskPANsCount("卡号 6212345678901232 与 4111-1111-1111-1111，订单 20261121143005000001")
	if n != 2 || out != "卡号 621234******1232 与 4111-11**-****-1111，订单 20261121143005000001" {
		t.Errorf("got %q, %d", out, n)
	}
	if _, n := MaskPANsCount("no card here 123"); n != 0 {
		t.Errorf("counted %d", n)
	}
}

func FuzzMaskPANs(f *testing.F) {
	f.Add("6222020200112233445")
	f.Add("4111 1111 1111 1111 x")
	f.Fuzz(func(t *testing.T, s string) {
		out := MaskPANs(s)
		if len(out) != len(s) {
			t.Fatalf("length changed: %q → %q", s, out)
		}
		if hasUnmasked(out) {
			t.Fatalf("a Luhn-valid 13-19 digit run survived: %q → %q", s, out)
		}
	})
}

// hasUnmasked reports a maximal run of plain digits that is a plausible
// PAN: 13-19 digits with a scheme prefix, passing Luhn.
func hasUnmasked(s string) bool {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		grouped := i > 0 && (s[i-1] == '*' || s[i-1] == ' ' || s[i-1] == '-') ||
			j < len(s) && (s[j] == '*' || s[j] == ' ' || s[j] == '-')
		if n := j - i; !grouped && n >= 13 && n <= 19 && schemePrefix([]byte(s[i:j])) && luhn([]byte(s[i:j])) {
			return true
		}
		if j == i {
			j++
		}
		i = j
	}
	return false
}

func TestMaskPAN(t *testing.T) {
	for in, want := range map[string]string{
		"6222020200112233445": "622202*********3445",
		"622202******1234":    "622202******1234",
		"4111 1111 1111 1111": "4111 11** **** 1111",
		"123456":              "****56",
		"":                    "",
		"n/a":                 "n/a",
	} {
		if got := MaskPAN(in); got != want {
			t.Errorf("MaskPAN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	tests := []struct {
		v      int64
		digits int
		want   string
	}{
		{123450, 2, "1234.50"}, {5, 2, "0.05"}, {0, 2, "0.00"}, {-5, 2, "-0.05"}, {-123450, 2, "-1234.50"},
		{1000, 0, "1000"}, {1234, 3, "1.234"},
	}
	for _, tt := range tests {
		if got := FormatMinor(tt.v, tt.digits); got != tt.want {
			t.Errorf("FormatMinor(%d, %d) = %q, want %q", tt.v, tt.digits, got, tt.want)
		}
	}
	if CurrencyDigits("CNY") != 2 || CurrencyDigits("JPY") != 0 || CurrencyDigits("KWD") != 3 {
		t.Error("currency digits")
	}
	if NormalizeCurrency("156") != "CNY" || NormalizeCurrency("") != "CNY" || NormalizeCurrency("HKD") != "HKD" {
		t.Error("currency normalization")
	}
}

func TestError(t *testing.T) {
	e := &Error{Kind: KindRow, File: "a.csv", Line: 12, Column: "amount", Err: errors.New("bad amount 4111111111111111"), Offset: 99, HasOffset: true}
	want := `a.csv:12: column "amount": bad amount 411111******1111 (byte offset 99)`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
	wrapped := fmt.Errorf("context: %w", e)
	if KindOf(wrapped) != KindRow || KindOf(errors.New("x")) != KindOther {
		t.Error("KindOf")
	}
	p := &Error{Kind: KindFormat, File: "b.parquet", Row: 7, Err: errors.New("corrupt")}
	if p.Error() != "b.parquet: row 7: corrupt" {
		t.Errorf("got %s", p.Error())
	}
}

func TestOutcomes(t *testing.T) {
	if len(Causes()) != 15 || Causes()[0] != SystemMaintenance || Causes()[14] != Unknown {
		t.Error("causes")
	}
	for o := Outcome(0); o < NumOutcomes; o++ {
		if got, ok := OutcomeByID(o.String()); !ok || got != o {
			t.Errorf("round trip %v", o)
		}
	}
	if Approved.IsDecline() || Pending.IsDecline() || !Unknown.IsDecline() {
		t.Error("IsDecline")
	}
}

func TestDigitCount(t *testing.T) {
	for _, s := range []string{"", "1", "abc", "0123456789", "好又多超市 12 号店", "\xff\xb0\xb9/:09", "4111 1111 1111 1111 trailing", "!/0:9@~\x7f\x80\xb5"} {
		want := 0
		for i := 0; i < len(s); i++ {
			if isDigit(s[i]) {
				want++
			}
		}
		if got := digitCount(s); got != want {
			t.Errorf("digitCount(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzDigitCount(f *testing.F) {
	f.Add("好又多超市 12 号店 4111111111111111")
	f.Fuzz(func(t *testing.T, s string) {
		want := 0
		for i := 0; i < len(s); i++ {
			if isDigit(s[i]) {
				want++
			}
		}
		if got := digitCount(s); got != want {
			t.Fatalf("digitCount(%q) = %d, want %d", s, got, want)
		}
	})
}
