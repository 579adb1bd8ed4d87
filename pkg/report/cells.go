package report

import (
	"math/bits"
	"unsafe"

	"github.com/payops/analyze/pkg/record"
)

// cellTable holds the declines and amount per (combo, cause): open
// addressing with linear probing, at most half full, each slot holding its
// counters, so an update is one probe into one array.
type cellTable struct {
	slots []cellSlot
	n     int
	shift uint8
}

type cellSlot struct {
	key      uint64 // cellKey; 0 = empty (a decline's cause is never 0)
	declines int64
	amount   int64
}

func cellKey(ci int32, o record.Outcome) uint64 { return uint64(uint32(ci))<<8 | uint64(o) }

func splitCellKey(k uint64) (int32, record.Outcome) {
	return int32(uint32(k >> 8)), record.Outcome(k & 0xff)
}

// pos is the key's home slot (Fibonacci hashing).
func (t *cellTable) pos(key uint64) int { return int((key * 0x9e3779b97f4a7c15) >> t.shift) }

// prefetch asks for the key's home slot, so that a later add finds it in
// cache.
func (t *cellTable) prefetch(key uint64) {
	if len(t.slots) > 0 {
		prefetch(uintptr(unsafe.Pointer(&t.slots[t.pos(key)])))
	}
}

// add adds declines and amount to the key's cell, adding it when new.
func (t *cellTable) add(key uint64, declines, amount int64) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := t.pos(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == key {
			s.declines += declines
			s.amount += amount
			return
		}
		if s.key == 0 {
			*s = cellSlot{key: key, declines: declines, amount: amount}
			t.n++
			return
		}
	}
}

func (t *cellTable) grow() {
	old := t.slots
	size := max(1024, 2*len(old))
	t.slots = make([]cellSlot, size)
	t.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	mask := size - 1
	for _, s := range old {
		if s.key == 0 {
			continue
		}
		for i := t.pos(s.key); ; i = (i + 1) & mask {
			if t.slots[i].key == 0 {
				t.slots[i] = s
				break
			}
		}
	}
}
