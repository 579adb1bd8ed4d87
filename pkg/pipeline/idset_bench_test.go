package pipeline

import "testing"

// BenchmarkIDSet inserts 5M distinct ids in batches, as the sequencer does:
// the set outgrows the caches, so this measures cache misses.
func BenchmarkIDSet(b *testing.B) {
	hs := make([]uint64, 5_000_000)
	for i := range hs {
		hs[i] = hashID(string(rune(i)), 0) ^ uint64(i)*0x9E3779B97F4A7C15
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s := newIDSet()
		for _, h := range hs {
			s.add(h)
		}
	}
}
