package record

// MaskPANs masks the card numbers inside free text: every run of 13 to 19
// digits (also when split by single spaces or dashes) that passes the Luhn
// check, as every real PAN does, keeps its first six and last four digits.
// The Luhn check spares most merchant ids, order numbers and timestamps of
// the same length; longer runs (20-digit order numbers) are no PANs. It is applied to every raw record and error text that
// may leave the process; values of a known card-number column go through
// MaskPAN instead, which masks whatever they hold.
func MaskPANs(s string) string {
	// Fast path: most strings have no long digit run.
	if !hasLongDigitRun(s) {
		return s
	}
	b := []byte(s)
	i := 0
	for i < len(b) {
		if !isDigit(b[i]) {
			i++
			continue
		}
		// Collect a run of digits allowing single ' ' or '-' separators.
		start, end := i, i
		digits := 0
		j := i
		for j < len(b) {
			if isDigit(b[j]) {
				digits++
				end = j + 1
				j++
				continue
			}
			if (b[j] == ' ' || b[j] == '-') && j+1 < len(b) && isDigit(b[j+1]) {
				j++
				continue
			}
			break
		}
		if digits >= 13 && digits <= 19 && luhn(b[start:end]) {
			seen := 0
			for k := start; k < end; k++ {
				if !isDigit(b[k]) {
					continue
				}
				seen++
				if seen > 6 && seen <= digits-4 {
					b[k] = '*'
				}
			}
		}
		i = end
		if i == start {
			i++
		}
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func hasLongDigitRun(s string) bool {
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
