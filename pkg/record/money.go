package record

import "strconv"

// CurrencyDigits returns the number of minor-unit digits of an ISO 4217
// currency code (alphabetic or numeric). Unknown codes are taken to have 2,
// like CNY, the currency of nearly every row these exports carry.
func CurrencyDigits(cur string) int {
	switch cur {
	case "JPY", "392", "KRW", "410", "VND", "704", "CLP", "152", "ISK", "352", "UGX", "800", "XOF", "952", "XAF", "950":
		return 0
	case "BHD", "048", "KWD", "414", "OMR", "512", "JOD", "400", "TND", "788", "LYD", "434", "IQD", "368":
		return 3
	}
	return 2
}

// NormalizeCurrency maps the numeric codes Chinese exports use and the
// common Chinese names onto ISO 4217 alphabetic codes; "" means CNY.
func NormalizeCurrency(cur string) string {
	switch cur {
	case "", "156", "CNY", "RMB", "人民币", "元":
		return "CNY"
	case "344", "港币", "港元":
		return "HKD"
	case "840", "美元":
		return "USD"
	case "446":
		return "MOP"
	case "392", "日元":
		return "JPY"
	case "978", "欧元":
		return "EUR"
	}
	return cur
}

// FormatMinor formats an amount in minor units as an exact decimal with
// the currency's number of digits: FormatMinor(123450, 2) == "1234.50".
func FormatMinor(v int64, digits int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	s := strconv.FormatUint(u, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
