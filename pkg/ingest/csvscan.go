package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
)

// csvScanner splits RFC 4180 records held in memory. Fields are slices of
// the input (a quoted field with doubled quotes is the one case that needs
// a copy), so a worker can scan a whole chunk without allocating per field.
//
// Differences from encoding/csv, each on purpose: a CR LF inside a quoted
// field is kept as it is (encoding/csv turns it into LF); a lone CR is not
// a line break; blank lines are skipped; in lenient mode a bare quote is
// kept literally, as encoding/csv's LazyQuotes does.
type csvScanner struct {
	delim   byte
	lenient bool
	fields  [][]byte
	starts  []int // offset of each field in the scanned data
	// After scanMasked's fast path, fields and starts are not filled:
	// field i ends at ends[i] and starts one past ends[i-1] (at first, at
	// the record's offset). Read the fields with count, field and start.
	lazy  bool
	first int
	ends  []int32
}

// count is the number of fields of the record scanned last.
func (s *csvScanner) count() int {
	if s.lazy {
		return len(s.ends)
	}
	return len(s.fields)
}

// field returns field i of the record scanned last in data.
func (s *csvScanner) field(data []byte, i int) []byte {
	if s.lazy {
		return data[s.start(i):s.ends[i]]
	}
	return s.fields[i]
}

// start is the offset in data of field i of the record scanned last.
func (s *csvScanner) start(i int) int {
	if !s.lazy {
		return s.starts[i]
	}
	if i == 0 {
		return s.first
	}
	return int(s.ends[i-1]) + 1
}

// scanError is a malformed-quoting problem at an offset of the scanned data.
type scanError struct {
	off   int // offset in data where the problem was seen
	start int // offset where the record started
	lines int // line breaks between the record start and off
	err   error
}

var (
	errBareQuote    = errors.New(`bare " in unquoted field (use --lenient-quotes to keep it literally)`)
	errQuote        = errors.New(`extraneous or missing " in quoted field (use --lenient-quotes to keep it literally)`)
	errUnterminated = errors.New(`unterminated quoted field: the closing " is missing`)
)

// scan parses one record that starts at data[pos]. It returns the offset
// just past the record's line break and the number of line breaks it
// consumed, including those inside quoted fields. blank is true for an
// empty line, which holds no record.
func (s *csvScanner) scan(data []byte, pos int) (next, nl int, blank bool, serr *scanError) {
	s.lazy = false
	s.fields = s.fields[:0]
	s.starts = s.starts[:0]
	rest := data[pos:]
	end := bytes.IndexByte(rest, '\n')
	line := rest
	next = len(data)
	if end >= 0 {
		line = rest[:end]
		next = pos + end + 1
		nl = 1
	}
	if bytes.IndexByte(line, '"') < 0 {
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			return next, nl, true, nil
		}
		s.split(line, pos)
		return next, nl, false, nil
	}
	return s.scanQuoted(data, pos)
}

// scanMasked is scan with the part's masks (csvMasks of data): the line
// end, the test for quotes and the field ends come from set bits, not
// from reading the bytes.
func (s *csvScanner) scanMasked(data []byte, pos int, m []uint64) (next, nl int, blank bool, serr *scanError) {
	end := nextBit(m, maskLF, pos, len(data))
	if nextBit(m, maskQuote, pos, end) < end {
		s.lazy = false
		if next, nl, ok := s.quotedMasked(data, pos, end, m); ok {
			return next, nl, false, nil
		}
		s.fields = s.fields[:0]
		s.starts = s.starts[:0]
		return s.scanQuoted(data, pos)
	}
	s.lazy, s.first, s.ends = true, pos, s.ends[:0]
	next = len(data)
	if end < len(data) {
		next, nl = end+1, 1
	}
	if end > pos && data[end-1] == '\r' {
		end--
	}
	if end == pos {
		return next, nl, true, nil
	}
	for w := pos >> 6; w<<6 < end; w++ {
		d := m[w*maskWords+maskDelim]
		if w == pos>>6 {
			d &^= 1<<(pos&63) - 1
		}
		if (w+1)<<6 > end {
			d &= 1<<(end&63) - 1
		}
		for ; d != 0; d &= d - 1 {
			s.ends = append(s.ends, int32(w<<6+trailingZeros(d)))
		}
	}
	s.ends = append(s.ends, int32(end))
	return next, nl, false, nil
}

// quotedMasked parses, from the masks, a record with quotes that ends at
// the line feed at lf (or the end of data) when every quote opens or
// closes a whole field, doubled quotes aside: a name with a comma or a
// quote in it, one row in ten of some exports. ok is false for anything
// else (a line break inside quotes, a bare quote), which scanQuoted then
// parses or reports.
func (s *csvScanner) quotedMasked(data []byte, pos, lf int, m []uint64) (next, nl int, ok bool) {
	s.fields, s.starts = s.fields[:0], s.starts[:0]
	// a CR that ends the line, before its LF
	crlf := lf < len(data) && lf > pos && data[lf-1] == '\r'
	for i := pos; ; {
		if i < lf && data[i] == '"' {
			c := nextBit(m, maskQuote, i+1, lf) // the closing quote
			seg := i + 1
			var out []byte // the field without its doubled quotes, if it has some
			for c+1 < lf && data[c+1] == '"' {
				out = append(out, data[seg:c+1]...)
				seg = c + 2
				c = nextBit(m, maskQuote, seg, lf)
			}
			if c >= lf {
				return 0, 0, false
			}
			a := c + 1
			if !(a == lf || a < lf && data[a] == s.delim || a == lf-1 && crlf) {
				return 0, 0, false
			}
			field := data[seg:c]
			if out != nil {
				field = append(out, field...)
			}
			s.fields = append(s.fields, field)
			s.starts = append(s.starts, i)
			i = a
		} else {
			f := nextBit(m, maskDelim, i, lf)
			fe := f
			if f == lf && crlf {
				fe--
			}
			if fe < i || nextBit(m, maskQuote, i, fe) < fe {
				return 0, 0, false
			}
			s.fields = append(s.fields, data[i:fe])
			s.starts = append(s.starts, i)
			i = f
		}
		if i < lf && data[i] == s.delim {
			i++
			continue
		}
		if lf < len(data) {
			return lf + 1, 1, true
		}
		return len(data), 0, true
	}
}

// split cuts a line without quotes at its delimiters, eight bytes at a
// time: a call of bytes.IndexByte per field cost more than the search
// itself on fields a few bytes long.
func (s *csvScanner) split(line []byte, off int) {
	const lo7, hi = 0x7F7F7F7F7F7F7F7F, 0x8080808080808080
	d := uint64(s.delim) * 0x0101010101010101
	start, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:]) ^ d
		// the high bit of each byte that is zero, i.e. was the delimiter
		// (exact: no carry crosses bytes, unlike the shorter haszero trick)
		m := ^((x&lo7 + lo7) | x | lo7) & hi
		for m != 0 {
			j := i + bits.TrailingZeros64(m)>>3
			s.fields = append(s.fields, line[start:j])
			s.starts = append(s.starts, off+start)
			start = j + 1
			m &= m - 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == s.delim {
			s.fields = append(s.fields, line[start:i])
			s.starts = append(s.starts, off+start)
			start = i + 1
		}
	}
	s.fields = append(s.fields, line[start:])
	s.starts = append(s.starts, off+start)
}

// scanQuoted is the slow path for a record with at least one quote.
func (s *csvScanner) scanQuoted(data []byte, pos int) (next, nl int, blank bool, serr *scanError) {
	i := pos
	for {
		if i < len(data) && data[i] == '"' {
			start := i
			i++
			seg := i
			var out []byte
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					return 0, 0, false, &scanError{off: start, start: pos, lines: nl, err: errUnterminated}
				}
				nl += bytes.Count(data[i:i+j], nlByte)
				i += j
				if i+1 < len(data) && data[i+1] == '"' {
					out = append(out, data[seg:i+1]...)
					i += 2
					seg = i
					continue
				}
				a := i + 1
				if a == len(data) || data[a] == s.delim || data[a] == '\n' ||
					(data[a] == '\r' && (a+1 == len(data) || data[a+1] == '\n')) {
					break
				}
				if s.lenient {
					i++
					continue
				}
				return 0, 0, false, &scanError{off: i, start: pos, lines: nl, err: errQuote}
			}
			field := data[seg:i]
			if out != nil {
				field = append(out, field...)
			}
			s.fields = append(s.fields, field)
			s.starts = append(s.starts, start)
			i++ // past the closing quote
		} else {
			start := i
			for i < len(data) && data[i] != s.delim && data[i] != '\n' {
				i++
			}
			field := data[start:i]
			if i < len(data) && data[i] == '\n' && len(field) > 0 && field[len(field)-1] == '\r' {
				field = field[:len(field)-1]
			}
			if !s.lenient && bytes.IndexByte(field, '"') >= 0 {
				return 0, 0, false, &scanError{off: start + bytes.IndexByte(field, '"'), start: pos, lines: nl, err: errBareQuote}
			}
			s.fields = append(s.fields, field)
			s.starts = append(s.starts, start)
		}
		// after a field: delimiter, line break or end of data
		switch {
		case i >= len(data):
			return len(data), nl, false, nil
		case data[i] == s.delim:
			i++
		case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
			return i + 2, nl + 1, false, nil
		case data[i] == '\r' && i+1 == len(data):
			return len(data), nl, false, nil
		case data[i] == '\n':
			return i + 1, nl + 1, false, nil
		}
	}
}

var nlByte = []byte{'\n'}

// lastBoundary returns the offset just past the last line break in buf that
// ends a record, or -1. It relies on quote parity, which is exact for
// RFC 4180 input: a line break is inside a quoted field exactly when an odd
// number of quotes precede it since the last boundary. (Malformed quoting is
// caught by the scanner that later parses the chunk.)
func lastBoundary(buf []byte) int {
	end := len(buf)
	q := bytes.Count(buf, quoteByte)
	for {
		p := bytes.LastIndexByte(buf[:end], '\n')
		if p < 0 {
			return -1
		}
		q -= bytes.Count(buf[p:end], quoteByte)
		if q%2 == 0 {
			return p + 1
		}
		end = p
	}
}

var quoteByte = []byte{'"'}

// lastBoundaryLenient finds the last record boundary by scanning records in
// order, since with bare quotes allowed quote parity says nothing.
func (s *csvScanner) lastBoundaryLenient(buf []byte) int {
	cut, pos := -1, 0
	for pos < len(buf) {
		next, _, _, serr := s.scan(buf, pos)
		if serr != nil || next > len(buf) {
			break
		}
		if next == len(buf) && buf[next-1] != '\n' {
			break // the last record may continue in the next read
		}
		cut, pos = next, next
	}
	return cut
}
