package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// pqTestRun is one run of a test encoding: RLE (one value repeated) or
// bit-packed (the values as they are, padded to a group of 8).
type pqTestRun struct {
	rle    bool
	values []uint32
}

// pqEncodeHybrid writes runs in the RLE / bit-packed hybrid encoding, as
// the format describes it; the decoder under test must give back the
// values.
func pqEncodeHybrid(width int, runs []pqTestRun) []byte {
	var out []byte
	for _, r := range runs {
		if r.rle {
			out = binary.AppendUvarint(out, uint64(len(r.values))<<1)
			for i := 0; i < (width+7)/8; i++ {
				out = append(out, byte(r.values[0]>>(8*i)))
			}
			continue
		}
		groups := (len(r.values) + 7) / 8
		out = binary.AppendUvarint(out, uint64(groups)<<1|1)
		packed := make([]byte, groups*width)
		for i, v := range r.values {
			for b := 0; b < width; b++ {
				if v>>b&1 != 0 {
					bit := i*width + b
					packed[bit/8] |= 1 << (bit % 8)
				}
			}
		}
		out = append(out, packed...)
	}
	return out
}

// pqRefDecode is a slow reference decoder, one bit at a time, with the
// decoder's rules: the values up to the first corrupt or missing byte, at
// most max of them.
func pqRefDecode(data []byte, width, max int) []uint32 {
	var out []uint32
	for len(out) < max {
		hdr, n := binary.Uvarint(data)
		if n <= 0 {
			return out
		}
		data = data[n:]
		count := hdr >> 1
		if count == 0 {
			return out
		}
		if hdr&1 == 0 {
			vb := (width + 7) / 8
			if count > math.MaxInt32 || len(data) < vb {
				return out
			}
			var v uint32
			for i := 0; i < vb; i++ {
				v |= uint32(data[i]) << (8 * i)
			}
			data = data[vb:]
			for i := uint64(0); i < count && len(out) < max; i++ {
				out = append(out, v)
			}
			continue
		}
		if count > math.MaxInt32/8 {
			return out
		}
		size := min(int(count)*width, len(data))
		run := data[:size]
		data = data[size:]
		for i := 0; i < int(count)*8 && len(out) < max; i++ {
			if (i+1)*width > size*8 {
				break
			}
			var v uint32
			for b := 0; b < width; b++ {
				bit := i*width + b
				v |= uint32(run[bit/8]>>(bit%8)&1) << b
			}
			out = append(out, v)
		}
	}
	return out
}

func pqRandomRuns(rng *rand.Rand, width int, lens []int) (runs []pqTestRun, all []uint32) {
	value := func() uint32 {
		if width == 0 {
			return 0
		}
		return uint32(rng.Uint64() & (1<<width - 1))
	}
	for k, n := range lens {
		r := pqTestRun{rle: k%2 == 0}
		if r.rle {
			v := value()
			for range n {
				r.values = append(r.values, v)
			}
		} else {
			for range n {
				r.values = append(r.values, value())
			}
		}
		runs = append(runs, r)
		all = append(all, r.values...)
	}
	return runs, all
}

func TestPQHybridWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Run lengths alternating RLE and bit-packed. A bit-packed run holds
	// whole groups of 8 values except the last, whose padding the reader
	// never asks for. Batch sizes cross the runs' boundaries.
	lens := []int{1, 8, 3, 16, 100, 40, 64, 8, 1000, 7}
	for width := 0; width <= 32; width++ {
		runs, want := pqRandomRuns(rng, width, lens)
		data := pqEncodeHybrid(width, runs)
		for _, batch := range []int{1, 3, 7, 8, 13, 64, 1000, len(want)} {
			t.Run(fmt.Sprintf("width%d/batch%d", width, batch), func(t *testing.T) {
				var h pqHybrid
				if err := h.reset(data, width); err != nil {
					t.Fatal(err)
				}
				got := make([]uint32, 0, len(want))
				for len(got) < len(want) {
					k := min(batch, len(want)-len(got))
					dst := make([]uint32, k)
					if err := h.decode(dst); err != nil {
						t.Fatalf("after %d values: %v", len(got), err)
					}
					got = append(got, dst...)
				}
				if !slices.Equal(got, want) {
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("value %d of %d: %d, want %d", i, len(want), got[i], want[i])
						}
					}
				}
				// Only the padding of the last bit-packed group is left.
				if err := h.decode(make([]uint32, 8)); err == nil {
					t.Errorf("decoded past the end of the values")
				}
			})
		}
	}
}

func TestPQHybridMaxValues(t *testing.T) {
	for _, width := range []int{1, 7, 8, 9, 15, 16, 17, 24, 31, 32} {
		top := uint32(1<<width - 1)
		runs := []pqTestRun{{rle: true, values: []uint32{top, top}}, {values: []uint32{top, 0, top, 1, top}}}
		var h pqHybrid
		h.reset(pqEncodeHybrid(width, runs), width)
		got := make([]uint32, 7)
		if err := h.decode(got); err != nil {
			t.Fatalf("width %d: %v", width, err)
		}
		if want := []uint32{top, top, top, 0, top, 1, top}; !slices.Equal(got, want) {
			t.Errorf("width %d: %v, want %v", width, got, want)
		}
	}
}

func TestPQHybridErrors(t *testing.T) {
	rle3 := pqEncodeHybrid(12, []pqTestRun{{rle: true, values: []uint32{7, 7, 7}}})
	packed16 := pqEncodeHybrid(12, []pqTestRun{{values: make([]uint32, 16)}})
	for _, tc := range []struct {
		name  string
		data  []byte
		width int
		want  int // values asked for
	}{
		{"empty", nil, 3, 1},
		{"more than the runs hold", rle3, 12, 4},
		{"RLE value cut off", rle3[:len(rle3)-1], 12, 1},
		{"RLE header only", rle3[:1], 12, 1},
		{"bit-packed run cut off", packed16[:len(packed16)-2], 12, 16},
		{"bit-packed header only", packed16[:1], 12, 1},
		{"run of zero values", []byte{0, 0}, 1, 1},
		{"bit-packed run of zero groups", []byte{1}, 1, 1},
		{"header overflows 64 bits", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 1, 1},
		{"header cut off", []byte{0x80}, 1, 1},
		{"RLE run beyond int32", binary.AppendUvarint(nil, (math.MaxInt32+1)<<1), 0, 1},
		{"bit-packed run beyond int32 values", binary.AppendUvarint(nil, (math.MaxInt32/8+1)<<1|1), 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h pqHybrid
			if err := h.reset(tc.data, tc.width); err != nil {
				t.Fatal(err)
			}
			if err := h.decode(make([]uint32, tc.want)); err == nil {
				t.Errorf("no error")
			}
		})
	}
	var h pqHybrid
	for _, w := range []int{-1, 33, 64} {
		if err := h.reset([]byte{2, 1}, w); err == nil {
			t.Errorf("width %d accepted", w)
		}
	}
	if err := h.decode(make([]uint32, 1)); !errors.Is(err, errPQRunsEnd) {
		t.Errorf("a decoder left empty by a refused reset: %v", err)
	}
}

func TestPQHybridTruncatedLastGroup(t *testing.T) {
	// Writers pad the last bit-packed group; values in the bytes present
	// are read even when the padding is left out.
	data := pqEncodeHybrid(3, []pqTestRun{{values: []uint32{1, 2, 3, 4, 5}}})
	data = data[:1+2] // header, then the 15 bits of 5 values
	var h pqHybrid
	h.reset(data, 3)
	got := make([]uint32, 5)
	if err := h.decode(got); err != nil || !slices.Equal(got, []uint32{1, 2, 3, 4, 5}) {
		t.Fatalf("%v %v", got, err)
	}
	if err := h.decode(make([]uint32, 1)); err == nil {
		t.Errorf("a sixth value from 16 bits")
	}
}

func TestPQHybridPacked(t *testing.T) {
	// The deprecated BIT_PACKED levels: a bit-packed run without headers.
	values := []uint32{1, 0, 1, 1, 0, 0, 1, 0, 1, 1}
	run := pqEncodeHybrid(1, []pqTestRun{{values: values}})[1:]
	var h pqHybrid
	if err := h.resetPacked(run, 1, len(values)); err != nil {
		t.Fatal(err)
	}
	got := make([]uint32, len(values))
	if err := h.decode(got); err != nil || !slices.Equal(got, values) {
		t.Fatalf("%v %v", got, err)
	}
	if err := h.decode(make([]uint32, 1)); err == nil {
		t.Errorf("a value past the count")
	}
	h.resetPacked(run[:1], 1, len(values))
	if err := h.decode(make([]uint32, 9)); err == nil {
		t.Errorf("9 values from 8 bits")
	}
}

// FuzzPQHybrid decodes arbitrary bytes: never a panic or a hang, and the
// values (or the error) are those of the bit-at-a-time reference decoder,
// however the reads are cut into batches.
func FuzzPQHybrid(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, w := range []int{0, 1, 2, 5, 8, 13, 20, 32} {
		runs, all := pqRandomRuns(rng, w, []int{3, 9, 20, 8})
		f.Add(pqEncodeHybrid(w, runs), uint8(w), uint16(len(all)), uint8(5))
	}
	f.Add([]byte{0x03, 0xff, 0x00}, uint8(1), uint16(9), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, width uint8, n uint16, batch uint8) {
		w := int(width % 33)
		want := pqRefDecode(data, w, int(n))
		var h pqHybrid
		if err := h.reset(data, w); err != nil {
			t.Fatal(err)
		}
		step := int(batch)%64 + 1
		var got []uint32
		var err error
		for len(got) < int(n) && err == nil {
			dst := make([]uint32, min(step, int(n)-len(got)))
			if err = h.decode(dst); err == nil {
				got = append(got, dst...)
			}
		}
		if len(want) == int(n) {
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("width %d, %d values: got %v (%v), want %v", w, n, got, err, want)
			}
		} else if err == nil {
			t.Fatalf("width %d: %d values decoded, the reference has only %d", w, n, len(want))
		} else if !slices.Equal(got, want[:len(got)]) {
			t.Fatalf("width %d: the values before the error differ: %v, want a prefix of %v", w, got, want)
		}
	})
}
