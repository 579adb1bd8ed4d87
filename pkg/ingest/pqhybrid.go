package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// pqHybrid decodes Parquet's RLE / bit-packed hybrid encoding, which holds
// definition levels and dictionary indices. arrow-go's decoder for it is in
// an internal package, so pqByteChunk brings its own.
//
// The stream is a sequence of runs, each led by a ULEB128 header: an even
// header is an RLE run of header>>1 copies of one value stored in
// ceil(width/8) little-endian bytes; an odd header is a bit-packed run of
// header>>1 groups of 8 values, packed least significant bit first. The
// last bit-packed run may be cut short at the end of the data (writers pad
// the last group, some leave the padding out); its values are taken as far
// as its bytes reach, as arrow-go does.
type pqHybrid struct {
	data   []byte // the runs not yet started
	width  uint64 // bits per value, 0-32
	vbytes int    // bytes of an RLE run's value
	rle    int    // values left in the current RLE run
	value  uint32 // the RLE run's value
	packed []byte // the current bit-packed run
	pos    uint64 // values of the bit-packed run already taken
	left   int    // values of the bit-packed run not yet taken, as far as its bytes reach
}

// errPQRunsEnd: more values were asked for than the runs hold.
var errPQRunsEnd = errors.New("the run-length encoded data ends before its last value")

// reset starts decoding the hybrid runs in data.
func (h *pqHybrid) reset(data []byte, width int) error {
	if width < 0 || width > 32 {
		return fmt.Errorf("bit width %d is out of the range 0-32", width)
	}
	*h = pqHybrid{data: data, width: uint64(width), vbytes: (width + 7) / 8}
	return nil
}

// resetPacked starts decoding count values bit-packed without run headers
// (the deprecated BIT_PACKED level encoding). The bit order is arrow-go's,
// least significant bit first, so levels read as they did through it.
func (h *pqHybrid) resetPacked(data []byte, width, count int) error {
	if err := h.reset(nil, width); err != nil {
		return err
	}
	h.packed, h.left = data, count
	if width > 0 {
		h.left = int(min(uint64(count), uint64(len(data))*8/h.width))
	}
	return nil
}

// decode fills dst with the next len(dst) values. It fails when the runs
// end before, or a run header is corrupt; each run header consumes at least
// one byte, so corrupt input cannot make it loop forever.
func (h *pqHybrid) decode(dst []uint32) error {
	for len(dst) > 0 {
		switch {
		case h.rle > 0:
			k := min(h.rle, len(dst))
			v := h.value
			for i := range dst[:k] {
				dst[i] = v
			}
			h.rle -= k
			dst = dst[k:]
		case h.left > 0:
			k := min(h.left, len(dst))
			h.unpack(dst[:k])
			h.left -= k
			h.pos += uint64(k)
			dst = dst[k:]
		default:
			if err := h.nextRun(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h *pqHybrid) nextRun() error {
	hdr, n := binary.Uvarint(h.data)
	if n == 0 {
		return errPQRunsEnd
	}
	if n < 0 {
		return errors.New("corrupt run-length encoded data: a run header overflows 64 bits")
	}
	h.data = h.data[n:]
	count := hdr >> 1
	if count == 0 {
		// arrow-go ends the data at an empty run, so values still wanted are missing
		return errPQRunsEnd
	}
	if hdr&1 == 0 {
		if count > math.MaxInt32 {
			return fmt.Errorf("corrupt run-length encoded data: a run of %d values", count)
		}
		if len(h.data) < h.vbytes {
			return errPQRunsEnd
		}
		var v uint32
		for i := 0; i < h.vbytes; i++ {
			v |= uint32(h.data[i]) << (8 * i)
		}
		h.data = h.data[h.vbytes:]
		h.value, h.rle = v, int(count)
		return nil
	}
	if count > math.MaxInt32/8 {
		return fmt.Errorf("corrupt run-length encoded data: a bit-packed run of %d groups", count)
	}
	size := min(count*h.width, uint64(len(h.data)))
	h.packed, h.data, h.pos = h.data[:size], h.data[size:], 0
	h.left = int(count * 8)
	if h.width > 0 {
		h.left = int(min(count*8, size*8/h.width))
	}
	return nil
}

// unpack takes the next len(dst) values of the bit-packed run; they are
// known to lie within its bytes.
func (h *pqHybrid) unpack(dst []uint32) {
	w := h.width
	if w == 0 {
		clear(dst)
		return
	}
	mask := uint64(1)<<w - 1
	b := h.packed
	bit := h.pos * w
	for i := range dst {
		at := bit >> 3
		var word uint64
		if at+8 <= uint64(len(b)) {
			word = binary.LittleEndian.Uint64(b[at:])
		} else {
			var tail [8]byte
			copy(tail[:], b[at:])
			word = binary.LittleEndian.Uint64(tail[:])
		}
		dst[i] = uint32(word >> (bit & 7) & mask)
		bit += w
	}
}
