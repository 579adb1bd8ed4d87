package ingest

import (
	"math/bits"

	"golang.org/x/sys/cpu"
)

var useAVX2 = cpu.X86.HasAVX2

func trailingZeros(x uint64) int { return bits.TrailingZeros64(x) }

// utf8State carries the UTF-8 check from one call of csvMasksAVX2 to the
// next: the last 32 bytes, which of them start a character that did not
// end, and the errors seen.
type utf8State struct {
	prev, incomplete, errs [32]byte
}

// maskConsts are csvMasksAVX2's tables, in the order it loads them.
type maskConsts struct {
	byte1High, byte1Low, byte2High [32]byte // what each nibble rules out
	nibble                         [32]byte // 0x0F
	third, fourth                  [32]byte // 0xE0-0x80, 0xF0-0x80: a byte two or three back that makes this one a continuation
	high                           [32]byte // 0x80
	maxTail                        [32]byte // above these, the last three bytes start a character that needs more
}

//go:noescape
func csvMasksAVX2(p *byte, blocks int, delim byte, masks *uint64, st *utf8State, k *maskConsts)

var vectorConsts = func() *maskConsts {
	// Error classes of a pair of bytes (Keiser and Lemire, table 9): each
	// table says which classes its nibble allows, and a class present in
	// all three is an error.
	const (
		tooShort     = 1 << 0 // a lead byte, then no continuation
		tooLong      = 1 << 1 // ASCII, then a continuation
		overlong3    = 1 << 2 // E0 80..9F
		tooLarge     = 1 << 3 // F4 90..BF, or F5..FF
		surrogate    = 1 << 4 // ED A0..BF
		overlong2    = 1 << 5 // C0 or C1, then a continuation
		tooLarge1000 = 1 << 6 // F5..FF 80..8F
		overlong4    = 1 << 6 // F0 80..8F
		twoConts     = 1 << 7 // a continuation after a continuation: fine only inside a 3- or 4-byte character
		carry        = tooShort | tooLong | twoConts
	)
	k := &maskConsts{}
	hi := [16]byte{
		tooLong, tooLong, tooLong, tooLong, tooLong, tooLong, tooLong, tooLong,
		twoConts, twoConts, twoConts, twoConts,
		tooShort | overlong2, tooShort, tooShort | overlong3 | surrogate,
		tooShort | tooLarge | tooLarge1000 | overlong4,
	}
	lo := [16]byte{
		carry | overlong3 | overlong2 | overlong4, carry | overlong2, carry, carry,
		carry | tooLarge, carry | tooLarge | tooLarge1000, carry | tooLarge | tooLarge1000, carry | tooLarge | tooLarge1000,
		carry | tooLarge | tooLarge1000, carry | tooLarge | tooLarge1000, carry | tooLarge | tooLarge1000, carry | tooLarge | tooLarge1000,
		carry | tooLarge | tooLarge1000, carry | tooLarge | tooLarge1000 | surrogate, carry | tooLarge | tooLarge1000, carry | tooLarge | tooLarge1000,
	}
	b2 := [16]byte{
		tooShort, tooShort, tooShort, tooShort, tooShort, tooShort, tooShort, tooShort,
		tooLong | overlong2 | twoConts | overlong3 | tooLarge1000 | overlong4,
		tooLong | overlong2 | twoConts | overlong3 | tooLarge,
		tooLong | overlong2 | twoConts | surrogate | tooLarge,
		tooLong | overlong2 | twoConts | surrogate | tooLarge,
		tooShort, tooShort, tooShort, tooShort,
	}
	for i := range 32 {
		k.byte1High[i], k.byte1Low[i], k.byte2High[i] = hi[i%16], lo[i%16], b2[i%16]
		k.nibble[i], k.third[i], k.fourth[i], k.high[i], k.maxTail[i] = 0x0F, 0xE0-0x80, 0xF0-0x80, 0x80, 0xFF
	}
	k.maxTail[29], k.maxTail[30], k.maxTail[31] = 0xF0-1, 0xE0-1, 0xC0-1
	return k
}()

func csvMasksVector(data []byte, delim byte, m []uint64) bool {
	var st utf8State
	full := len(data) / 64
	if full > 0 {
		csvMasksAVX2(&data[0], full, delim, &m[0], &st, vectorConsts)
	}
	// the tail, padded with zeros: ASCII, so a character cut off at the
	// end shows as an error
	var tail [64]byte
	copy(tail[:], data[full*64:])
	csvMasksAVX2(&tail[0], 1, delim, &m[full*maskWords], &st, vectorConsts)
	return st.errs == [32]byte{}
}
