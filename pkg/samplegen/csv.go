package samplegen

import (
	"io"
	"strconv"
)

// csvFlush is the size at which the row buffer goes to the writer.
const csvFlush = 256 << 10

// writeCSV streams the rows of g as RFC 4180 CSV into w.
func writeCSV(w io.Writer, g *gen) error {
	chinese := g.o.Header == HeaderChinese
	eol := "\n"
	if chinese {
		eol = "\r\n" // exports made on Windows
	}
	buf := make([]byte, 0, csvFlush+4096)
	header := Columns
	if chinese {
		header = ChineseColumns
	}
	for i, h := range header {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendField(buf, h)
	}
	buf = append(buf, eol...)

	var r row
	for range g.o.Rows {
		g.next(&r)
		buf = g.appendCSVRow(buf, &r, chinese)
		buf = append(buf, eol...)
		if len(buf) >= csvFlush {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

func (g *gen) appendCSVRow(b []byte, r *row, chinese bool) []byte {
	if r.bad == badTime {
		g.timeCache(r.t)
		b = append(b, g.tcPrefix[:10]...)
		b = append(b, " 25:61:00"...)
	} else {
		b = g.appendTime(b, r.t)
	}
	b = append(b, ',')
	b = append(b, r.txnID[:]...)
	b = append(b, ',')
	if r.bad != badNoMerchant {
		b = append(b, r.m.id...)
	}
	b = append(b, ',')
	b = appendField(b, r.m.name)
	b = append(b, ',')
	b = append(b, r.m.mcc.code...)
	b = append(b, ',')
	b = append(b, r.m.province...)
	b = append(b, ',')
	b = append(b, r.term.id...)
	b = append(b, ',')
	b = append(b, r.term.model...)
	b = append(b, ',')
	b = append(b, r.term.firmware...)
	b = append(b, ',')
	b = append(b, channels[r.ch].in(chinese)...)
	b = append(b, ',')
	b = append(b, paymentMethods[r.pm].in(chinese)...)
	b = append(b, ',')
	b = append(b, txnTypes[r.kind].in(chinese)...)
	if r.bad == badRagged {
		return b // the rest of the fields are missing
	}
	b = append(b, ',')
	switch r.bad {
	case badAmountSyntax:
		b = append(b, "12.3.4"...)
	case badDecimals:
		b = append(b, "1.234"...)
	case badNegative:
		b = append(b, "-15.00"...)
	default:
		b = appendAmount(b, r.amount, chinese)
	}
	b = append(b, ',')
	b = append(b, currencyCNY.in(chinese)...)
	b = append(b, ',')
	b = appendField(b, r.code)
	b = append(b, ',')
	b = appendField(b, r.sub)
	b = append(b, ',')
	b = appendField(b, r.msg)
	b = append(b, ',')
	b = append(b, r.pan[:r.panLen]...)
	return b
}

// appendAmount writes fen as yuan with two decimals; the chinese variant
// groups thousands ("1,234.00", quoted for the comma).
func appendAmount(b []byte, fen int64, chinese bool) []byte {
	if fen < 0 {
		b = append(b, '-')
		fen = -fen
	}
	yuan, cents := fen/100, fen%100
	if chinese && yuan >= 1000 {
		b = append(b, '"')
		b = appendGrouped(b, yuan)
		b = append(b, '.', byte('0'+cents/10), byte('0'+cents%10), '"')
		return b
	}
	b = strconv.AppendInt(b, yuan, 10)
	return append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
}

func appendGrouped(b []byte, v int64) []byte {
	if v < 1000 {
		return strconv.AppendInt(b, v, 10)
	}
	b = appendGrouped(b, v/1000)
	r := v % 1000
	return append(b, ',', byte('0'+r/100), byte('0'+r/10%10), byte('0'+r%10))
}

// appendField writes s, quoted per RFC 4180 when it holds a comma, a
// quote or a line break.
func appendField(b []byte, s string) []byte {
	quote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			quote = true
		}
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
