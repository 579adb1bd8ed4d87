package ingest

import (
	"encoding/binary"
	"sync"
)

// textMemo holds the decoded text of non-ASCII GBK fields, so that each
// distinct text is decoded once, not once per row. The texts repeat
// (names, channels, messages), but a part holds only a few rows of each
// name, so the memo outlives the part: it keeps copies of the raw bytes,
// and the pool gives each worker one. It is open addressing over
// one-cache-line slots that hold a text of up to 24 bytes inline, since a
// map lookup, or a slot that points to the key elsewhere, cost a cache
// miss per field. It is emptied past maxMemoTexts, or when the encoding
// changes.
type textMemo struct {
	enc   string
	slots []memoSlot // a power of two, at most half full
	n     int
	// per field, the last texts seen, direct-mapped: a channel, payment
	// method or message column holds a few texts, found here in L1
	front [numCols][64]frontSlot
}

type frontSlot struct {
	n    int
	w    [3]uint64
	text string
}

// memoSlot is one text and its raw bytes: up to 24 bytes are matched by
// length and words alone. An empty text marks an empty slot.
type memoSlot struct {
	n    int
	w    [3]uint64 // bytes 0-7, 8-15 and the last 8, zero-padded when shorter
	text string
	raw  string // the raw bytes, when longer than 24
}

const maxMemoTexts = 1 << 14

var memoPool = sync.Pool{New: func() any { return &textMemo{slots: make([]memoSlot, 1024)} }}

func getTextMemo(enc string) *textMemo {
	m := memoPool.Get().(*textMemo)
	m.use(enc)
	return m
}

// use empties the memo unless its texts were decoded from enc.
func (m *textMemo) use(enc string) {
	if m.enc != enc {
		clear(m.slots)
		clear(m.front[:])
		m.enc, m.n = enc, 0
	}
}

// memoWords returns b's words as memoSlot keeps them: for n <= 24 they
// hold every byte of b.
func memoWords(b []byte) (w [3]uint64) {
	n := len(b)
	if n >= 16 {
		w[0], w[1], w[2] = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[n-8:])
		return w
	}
	if cap(b) >= 16 {
		// the bytes past b are the part's: read them, keep b's
		full := b[:16]
		w[0], w[1] = binary.LittleEndian.Uint64(full), binary.LittleEndian.Uint64(full[8:])
		if n < 8 {
			w[0], w[1] = w[0]&(1<<(8*n)-1), 0
		} else {
			w[1] &= 1<<(8*(n-8)) - 1
		}
		return w
	}
	var pad [16]byte
	copy(pad[:], b)
	w[0], w[1] = binary.LittleEndian.Uint64(pad[:]), binary.LittleEndian.Uint64(pad[8:])
	return w
}

// find returns b's slot, or the empty slot where it belongs.
func (m *textMemo) find(b []byte, w *[3]uint64) *memoSlot {
	h := (w[0]*0x9E3779B97F4A7C15 ^ w[1]*0xC2B2AE3D27D4EB4F ^ w[2]*0x165667B19E3779F9 ^ uint64(len(b))) * 0x9E3779B97F4A7C15
	mask := uint64(len(m.slots) - 1)
	for i := h >> 32 & mask; ; i = (i + 1) & mask {
		e := &m.slots[i]
		if e.text == "" || e.n == len(b) && e.w == *w && (len(b) <= 24 || e.raw == string(b)) {
			return e
		}
	}
}

// get returns the text of field f's raw bytes b, if known.
func (m *textMemo) get(f int, b []byte) (string, bool) {
	w := memoWords(b)
	fr := &m.front[f][(w[0]^w[1]*31^w[2]*7^uint64(len(b)))*0x9E3779B97F4A7C15>>58]
	if fr.n == len(b) && fr.w == w && len(b) <= 24 && fr.text != "" {
		return fr.text, true
	}
	e := m.find(b, &w)
	if e.text != "" && len(b) <= 24 {
		fr.n, fr.w, fr.text = len(b), w, e.text
	}
	return e.text, e.text != ""
}

// put records text, which must not be empty nor point into the part, as
// b's.
func (m *textMemo) put(b []byte, text string) {
	if 2*(m.n+1) > len(m.slots) {
		if m.n >= maxMemoTexts {
			clear(m.slots) // a column of ever new texts: start over
			m.n = 0        // (the front's texts stay right)
		} else {
			old := m.slots
			m.slots, m.n = make([]memoSlot, 2*len(old)), 0
			for i := range old {
				if o := &old[i]; o.text != "" {
					*m.find([]byte(o.rawBytes()), &o.w) = *o
					m.n++
				}
			}
		}
	}
	w := memoWords(b)
	e := m.find(b, &w)
	if e.text == "" {
		m.n++
	}
	e.n, e.w, e.text, e.raw = len(b), w, text, ""
	if len(b) > 24 {
		e.raw = string(b) // a copy: b lives in the part
	}
}

// rawBytes rebuilds the raw bytes of a slot.
func (e *memoSlot) rawBytes() string {
	if e.n > 24 {
		return e.raw
	}
	var b [24]byte
	binary.LittleEndian.PutUint64(b[:], e.w[0])
	binary.LittleEndian.PutUint64(b[8:], e.w[1])
	if e.n >= 16 {
		binary.LittleEndian.PutUint64(b[e.n-8:], e.w[2])
	}
	return string(b[:e.n])
}
