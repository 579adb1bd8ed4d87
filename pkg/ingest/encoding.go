package ingest

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/payops/analyze/pkg/record"
)

// Encodings accepted by --encoding.
const (
	EncAuto    = "auto"
	EncUTF8    = "utf-8"
	EncGB18030 = "gb18030"
	EncGBK     = "gbk"
)

func validEncoding(e string) bool {
	switch e {
	case "", EncAuto, EncUTF8, EncGB18030, EncGBK:
		return true
	}
	return false
}

func gbEncoding(name string) encoding.Encoding {
	if name == EncGBK {
		return simplifiedchinese.GBK
	}
	return simplifiedchinese.GB18030
}

// sniffEncoding decides between UTF-8 and GB18030 from the first MiB.
// Shift-JIS and Latin-1 text also decode as GBK without errors, so GB18030
// is chosen only when the double-byte characters fall mostly in the GB2312
// hanzi and punctuation area, as Chinese text does.
func sniffEncoding(file string, sample []byte, atEOF bool) (string, error) {
	if bytes.HasPrefix(sample, []byte{0xFF, 0xFE}) || bytes.HasPrefix(sample, []byte{0xFE, 0xFF}) {
		return "", &record.Error{Kind: record.KindEncoding, File: file, Line: 1, Offset: 0, HasOffset: true,
			Err: fmt.Errorf("UTF-16 text is not supported: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)")}
	}
	s := sample
	if !atEOF {
		// a multi-byte character may be cut at the end of the sample
		for k := 0; k < utf8.UTFMax && len(s) > 0 && !utf8.RuneStart(s[len(s)-1]); k++ {
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0x80 {
			s = s[:len(s)-1]
		}
	}
	bad := firstInvalidUTF8(s)
	if bad < 0 {
		return EncUTF8, nil
	}
	if looksGB(s, atEOF) {
		return EncGB18030, nil
	}
	line := int64(bytes.Count(s[:bad], nlByte)) + 1
	return "", &record.Error{Kind: record.KindEncoding, File: file, Line: line, Offset: int64(bad), HasOffset: true,
		Err: fmt.Errorf("not valid UTF-8 (byte 0x%02X) and not GB18030/GBK Chinese text either: pass --encoding utf-8|gb18030|gbk, or convert the file to UTF-8", s[bad])}
}

// firstInvalidUTF8 returns the offset of the first byte that is not valid
// UTF-8, or -1.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// looksGB reports whether b decodes as GB18030 without errors and at least
// 80% of its double-byte characters are in the GB2312 area (lead and trail
// bytes 0xA1–0xFE), where common hanzi and Chinese punctuation live. Unless
// atEOF, b is a sample cut anywhere: a character cut at its end is not an
// error. (The UTF-8 trimming before cannot tell a GBK lead byte from a
// trail byte, so it may leave a lone lead byte there.)
func looksGB(b []byte, atEOF bool) bool {
	total, gb2312 := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
		case c >= 0x81 && c <= 0xFE && i+1 >= len(b) && !atEOF:
			i++ // a lead byte cut from its trail byte
		case c >= 0x81 && c <= 0xFE && i+1 < len(b):
			t := b[i+1]
			if t >= 0x30 && t <= 0x39 { // four-byte GB18030 sequence
				if i+3 >= len(b) {
					if !atEOF {
						i = len(b) // cut at the end of the sample
						continue
					}
					return false
				}
				total++
				i += 4
				continue
			}
			if t < 0x40 || t == 0x7F || t == 0xFF {
				return false
			}
			total++
			if c >= 0xA1 && t >= 0xA1 {
				gb2312++
			}
			i += 2
		default:
			return false
		}
	}
	return total > 0 && gb2312*10 >= total*8
}

// isASCII reports whether b has no byte ≥ 0x80, eight bytes at a time.
func isASCII(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		v := uint64(b[i]) | uint64(b[i+1])<<8 | uint64(b[i+2])<<16 | uint64(b[i+3])<<24 |
			uint64(b[i+4])<<32 | uint64(b[i+5])<<40 | uint64(b[i+6])<<48 | uint64(b[i+7])<<56
		if v&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return false
		}
	}
	return true
}
