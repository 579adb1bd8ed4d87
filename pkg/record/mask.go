package record

import (
	"encoding/binary"
	"math/bits"
)

// MaskPANs masks the card numbers inside free text: every run of 13 to 19
// digits (also when split by single spaces or dashes) that starts with a
// card scheme's prefix (UnionPay 62, Visa 4, Mastercard 51-55 and
// 2221-2720, Amex 34/37, JCB 35, Diners 30/36/38) and passes the Luhn
// check, as every real PAN does, keeps its first six and last four digits
// (what PCI DSS allows to show). The prefix and Luhn checks spare most
// merchant ids, order numbers and timestamps of the same length; longer
// runs (20-digit order numbers) are no PANs. It is applied to every raw
// record, free-text value and error text that may leave the process;
// values of a known card-number column go through MaskPAN instead, which
// masks whatever they hold.
func MaskPANs(s string) string {
	out, _ := MaskPANsCount(s)
	return out
}

// MaskPANsCount is MaskPANs that also returns how many card numbers it
// masked.
func MaskPANsCount(s string) (string, int) {
	// Fast path: most strings have no long digit run.
	if !hasLongDigitRun(s) {
		return s, 0
	}
	found := 0
	b := []byte(s)
	// A run is digit groups joined by single spaces or dashes. A card
	// number may start at any group of a run ("A920-4111 1111 1111 1111"),
	// so each group is tried as a start, with as many following groups as
	// make 13 to 19 digits.
	type group struct{ start, end int }
	var groups []group
	flush := func() {
		for g := 0; g < len(groups); g++ {
			digits := 0
			for h := g; h < len(groups); h++ {
				digits += groups[h].end - groups[h].start
				if digits > 19 {
					break
				}
				span := b[groups[g].start:groups[h].end]
				if digits >= 13 && schemePrefix(span) && luhn(span) {
					found++
					maskSpan(span, digits)
					g = h // continue after the card number
					break
				}
			}
		}
		groups = groups[:0]
	}
	for i := 0; i < len(b); {
		if !isDigit(b[i]) {
			i++
			continue
		}
		j := i
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if len(groups) > 0 && groups[len(groups)-1].end != i-1 {
			flush() // not joined to the previous group by one separator
		}
		if len(groups) > 0 && b[i-1] != ' ' && b[i-1] != '-' {
			flush()
		}
		groups = append(groups, group{i, j})
		i = j
	}
	flush()
	if found == 0 {
		return s, 0
	}
	return string(b), found
}

// maskSpan replaces every digit of span but the first six and last four
// (of digits in all) with '*'.
func maskSpan(span []byte, digits int) {
	seen := 0
	for k, c := range span {
		if !isDigit(c) {
			continue
		}
		seen++
		if seen > 6 && seen <= digits-4 {
			span[k] = '*'
		}
	}
}

// schemePrefix reports whether the digits of b (separators skipped) start
// with the prefix of a card scheme.
func schemePrefix(b []byte) bool {
	var p [4]int
	n := 0
	for _, c := range b {
		if isDigit(c) {
			p[n] = int(c - '0')
			if n++; n == 4 {
				break
			}
		}
	}
	if n < 4 {
		return false
	}
	two, four := p[0]*10+p[1], p[0]*1000+p[1]*100+p[2]*10+p[3]
	switch {
	case p[0] == 4, two == 62, two >= 51 && two <= 55, four >= 2221 && four <= 2720,
		two == 34, two == 37, two == 35, two == 30, two == 36, two == 38:
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hasLongDigitRun(s string) bool {
	if digitCount(s) < 13 {
		return false // the common case, decided 8 bytes at a time
	}
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			run++
			if run >= 13 {
				return true
			}
		case (c == ' ' || c == '-') && run > 0:
			// a separator inside a run keeps it going
		default:
			run = 0
		}
	}
	return false
}

// digitCount counts the ASCII digits of s, eight bytes at a time: every
// free-text value of every row goes through hasLongDigitRun, and most
// (Chinese names, messages) have almost no digits.
func digitCount(s string) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	n, i := 0, 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		// the high bit of each byte in '0'..'9' (bytes >= 0x80 excluded by ^x)
		low := x &^ highs
		m := (ones*(127+'9'+1) - low) & ^x & (low + ones*(127-('0'-1))) & highs
		n += bits.OnesCount64(m)
	}
	for ; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// luhn reports whether the digits of b (separators skipped) pass the Luhn check.
func luhn(b []byte) bool {
	sum, double := 0, false
	for i := len(b) - 1; i >= 0; i-- {
		c := b[i]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// MaskPAN masks a value known to be a card number: every digit but the
// first six and the last four becomes '*', whatever the length, so a
// malformed or test number is hidden too.
func MaskPAN(s string) string {
	digits := 0 // positions: digits, and stars of an already masked number
	plain := false
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			digits++
			plain = true
		} else if s[i] == '*' {
			digits++
		}
	}
	if !plain {
		return s
	}
	keepHead, keepTail := 6, 4
	if digits < 12 { // too short to show both ends without revealing most of it
		keepHead, keepTail = 0, min(4, digits/3)
	}
	// Already masked (the usual export form, 622202******1234): no copy.
	needed, seen := false, 0
	for i := 0; i < len(s) && !needed; i++ {
		if isDigit(s[i]) || s[i] == '*' {
			seen++
			needed = isDigit(s[i]) && seen > keepHead && seen <= digits-keepTail
		}
	}
	if !needed {
		return s
	}
	b := []byte(s)
	seen = 0
	for i, c := range b {
		if !isDigit(c) && c != '*' {
			continue
		}
		seen++
		if isDigit(c) && seen > keepHead && seen <= digits-keepTail {
			b[i] = '*'
		}
	}
	return string(b)
}
