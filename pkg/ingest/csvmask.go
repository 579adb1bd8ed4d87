package ingest

import "unicode/utf8"

// Bit masks of a CSV part, three words per 64-byte block: bit i of the
// block's word says whether byte i is the delimiter, a line feed or a
// double quote. Records and fields are then found by walking set bits
// instead of the bytes, and a record with no quote bit takes the fast
// path. On amd64 with AVX2 the masks cost a few instructions per 32 bytes,
// and the same pass checks that the part is valid UTF-8 (see
// csvmask_amd64.s); elsewhere a plain loop makes them.
const (
	maskDelim = iota
	maskLF
	maskQuote
	maskWords // words per block
)

// maskWordsFor is the length of the masks of n bytes: a block for every
// 64 bytes and one more, padded with zeros, for the tail.
func maskWordsFor(n int) int { return maskWords * (n/64 + 1) }

// csvMasks fills m (at least maskWordsFor(len(data)) long) with data's
// masks and reports whether data is valid UTF-8.
func csvMasks(data []byte, delim byte, m []uint64) (validUTF8 bool) {
	m = m[:maskWordsFor(len(data))]
	if useAVX2 {
		return csvMasksVector(data, delim, m)
	}
	csvMasksGeneric(data, delim, m)
	return utf8.Valid(data)
}

func csvMasksGeneric(data []byte, delim byte, m []uint64) {
	clear(m)
	for i, c := range data {
		var k int
		switch c {
		case delim:
			k = maskDelim
		case '\n':
			k = maskLF
		case '"':
			k = maskQuote
		default:
			continue
		}
		m[i>>6*maskWords+k] |= 1 << (i & 63)
	}
}

// nextBit returns the first position at or after pos, and before end,
// whose bit k is set, or end.
func nextBit(m []uint64, k, pos, end int) int {
	if pos >= end {
		return end
	}
	w := pos >> 6
	bits := m[w*maskWords+k] &^ (1<<(pos&63) - 1)
	for bits == 0 {
		w++
		if w<<6 >= end {
			return end
		}
		bits = m[w*maskWords+k]
	}
	return min(w<<6+trailingZeros(bits), end)
}
