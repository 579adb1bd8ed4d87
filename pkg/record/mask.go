package record

// MaskPANs replaces every run of 13 to 19 digits (a possible card number,
// also when split by single spaces or dashes) by its first six and last four
// digits with the middle masked. It is applied to every raw record and error
// text that may leave the process, so a PAN cannot leak through a reject,
// a log line or an error message.
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
		if digits >= 13 && digits <= 19 {
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
