package report

import (
	"strconv"
	"strings"
	"testing"
)

// TestInterner checks ids over enough values to grow the index and fill
// several pages, values too long for a page, and remap.
func TestInterner(t *testing.T) {
	a, b := newInterner(), newInterner()
	val := func(i int) string {
		if i%1000 == 7 {
			return strings.Repeat("长", internPage/8) + strconv.Itoa(i) // cloned on its own
		}
		return "v" + strconv.Itoa(i)
	}
	const n = 50000
	for i := range n {
		buf := []byte(val(i)) // the interner must keep a copy
		if id := a.id(string(buf)); id != int32(i+1) {
			t.Fatalf("value %d: id %d", i, id)
		}
		clear(buf)
	}
	if a.id("") != 0 || len(a.vals) != n+1 {
		t.Fatalf("empty string or count: %d values", len(a.vals))
	}
	for i := range n {
		if id := a.id(val(i)); id != int32(i+1) || a.vals[id] != val(i) {
			t.Fatalf("value %d: id %d holds %.20q", i, id, a.vals[id])
		}
	}
	for i := n - 10; i < n+10; i++ {
		b.id(val(i))
	}
	m := a.remap(b)
	if m[0] != 0 || len(m) != 21 {
		t.Fatalf("remap %v", m)
	}
	for j := 1; j < len(m); j++ {
		if a.vals[m[j]] != b.vals[j] {
			t.Errorf("remap %d: %q -> %q", j, b.vals[j], a.vals[m[j]])
		}
	}
	if len(a.vals) != n+11 {
		t.Errorf("%d values after remap, want %d", len(a.vals), n+11)
	}
}
