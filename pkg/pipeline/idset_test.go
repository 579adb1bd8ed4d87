package pipeline

import (
	"math/rand/v2"
	"testing"
)

// inShard returns a hash in shard sh whose home slot, in a shard of size
// slots, is home: the low bits pick the slot, the middle bits make it
// distinct (n).
func inShard(sh, home, n uint64) uint64 {
	return sh<<(64-idShardBits) | n<<20 | home
}

func TestIDSetCases(t *testing.T) {
	last := uint64(idShardSlots - 1)
	// one shard filled to the point where it doubles
	var full []uint64
	for i := range uint64(newIDSet().shards[3].max) {
		full = append(full, inShard(3, i, i+1))
	}
	for _, tc := range []struct {
		name         string
		add, remove  []uint64
		want, absent []uint64
		slots        int // total slots at the end; 0: as at first
	}{
		{name: "empty", absent: []uint64{1, 42}},
		{name: "zero is stored as one", add: []uint64{0}, want: []uint64{0, 1}},
		{name: "one per shard", add: []uint64{inShard(0, 5, 1), inShard(255, 5, 1), inShard(128, 5, 1)},
			want: []uint64{inShard(0, 5, 1), inShard(255, 5, 1), inShard(128, 5, 1)}, absent: []uint64{inShard(1, 5, 1)}},
		{name: "collisions probe on", add: []uint64{inShard(7, 9, 1), inShard(7, 9, 2), inShard(7, 9, 3)},
			want: []uint64{inShard(7, 9, 1), inShard(7, 9, 2), inShard(7, 9, 3)}, absent: []uint64{inShard(7, 9, 4)}},
		{name: "remove the head of a chain", add: []uint64{inShard(7, 9, 1), inShard(7, 9, 2), inShard(7, 10, 3)},
			remove: []uint64{inShard(7, 9, 1)}, want: []uint64{inShard(7, 9, 2), inShard(7, 10, 3)}, absent: []uint64{inShard(7, 9, 1)}},
		{name: "remove in the middle of a chain", add: []uint64{inShard(7, 9, 1), inShard(7, 9, 2), inShard(7, 9, 3)},
			remove: []uint64{inShard(7, 9, 2)}, want: []uint64{inShard(7, 9, 1), inShard(7, 9, 3)}, absent: []uint64{inShard(7, 9, 2)}},
		{name: "chain wraps past the last slot",
			add:    []uint64{inShard(9, last, 1), inShard(9, last, 2), inShard(9, last-1, 3), inShard(9, 0, 4), inShard(9, last, 5)},
			remove: []uint64{inShard(9, last, 1), inShard(9, last-1, 3)},
			want:   []uint64{inShard(9, last, 2), inShard(9, 0, 4), inShard(9, last, 5)},
			absent: []uint64{inShard(9, last, 1), inShard(9, last-1, 3)}},
		{name: "remove what is absent", add: []uint64{inShard(2, 4, 1)}, remove: []uint64{inShard(2, 4, 2), inShard(2, 5, 1)},
			want: []uint64{inShard(2, 4, 1)}},
		{name: "shard at its limit does not grow", add: full, want: full, absent: []uint64{inShard(3, 0, 999)}},
		{name: "one more doubles that shard only", add: append(full[:len(full):len(full)], inShard(3, 0, 999)),
			want: append(full[:len(full):len(full)], inShard(3, 0, 999)), slots: (idShards + 1) * idShardSlots},
		{name: "remove then add again below the limit", add: full, remove: full[:10], want: full[10:], absent: full[:10]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newIDSet()
			for _, h := range tc.add {
				if !s.add(h) {
					t.Fatalf("add(%#x) = false on a new hash", h)
				}
			}
			for _, h := range tc.remove {
				s.remove(h)
			}
			// before probing: adding an absent hash may grow a shard
			wantSlots := tc.slots
			if wantSlots == 0 {
				wantSlots = idShards * idShardSlots
			}
			if s.bytes() != 8*wantSlots {
				t.Errorf("%d slots, want %d", s.bytes()/8, wantSlots)
			}
			if distinct := countDistinct(tc.want); s.len() != distinct {
				t.Errorf("len %d, want %d", s.len(), distinct)
			}
			for _, h := range tc.want {
				if s.add(h) {
					t.Errorf("%#x lost", h)
				}
			}
			for _, h := range tc.absent {
				if s.add(h) {
					s.remove(h)
				} else {
					t.Errorf("%#x present", h)
				}
			}
		})
	}
}

func countDistinct(hs []uint64) int {
	m := map[uint64]bool{}
	for _, h := range hs {
		m[idKey(h)] = true
	}
	return len(m)
}

// TestIDSet checks adds and removes against a map, over shards that grow
// several times: hashes spread over all shards, and all in one.
func TestIDSet(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(i uint64) uint64
	}{
		{"spread", func(i uint64) uint64 { return (i * 0x9E3779B97F4A7C15) &^ (1<<40 - 1 - 0xFFFFF) }},
		{"one shard", func(i uint64) uint64 { return (i*0x9E3779B97F4A7C15)&0xFFFFF + 2 }},
		{"random", func(uint64) uint64 { return rand.Uint64N(1<<19) * 0x9E3779B97F4A7C15 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newIDSet()
			ref := map[uint64]bool{}
			for i := uint64(0); i < 300000; i++ {
				h := tc.hash(i) // many repeats
				if s.add(h) == ref[h] {
					t.Fatalf("add(%#x) disagrees", h)
				}
				ref[h] = true
				if i%3 == 0 {
					s.remove(h)
					delete(ref, h)
				}
			}
			if s.len() != len(ref) {
				t.Fatalf("size %d, want %d", s.len(), len(ref))
			}
			for h := range ref {
				if s.add(h) {
					t.Fatalf("%#x lost", h)
				}
			}
			if s.len() != len(ref) {
				t.Fatal("size changed")
			}
		})
	}
}

// TestIDSetReserve checks that reserve sizes every shard for an even
// share of n, never shrinks one, and keeps what the set holds.
func TestIDSetReserve(t *testing.T) {
	for _, tc := range []struct {
		n, wantSlots int // wantSlots per shard
	}{
		{0, idShardSlots},
		{idShards * (idShardSlots - idShardSlots/4), idShardSlots}, // fits as it is
		{idShards*(idShardSlots-idShardSlots/4) + idShards, 2 * idShardSlots},
		{5_000_000, 32768}, // 19,531 a shard: 3/4 of 32768 is 24,576
	} {
		s := newIDSet()
		var hs []uint64
		for i := uint64(1); i <= 1000; i++ {
			h := i * 0x9E3779B97F4A7C15
			hs = append(hs, h)
			s.add(h)
		}
		s.reserve(tc.n)
		for i := range s.shards {
			if got := len(s.shards[i].slots); got < tc.wantSlots || got > max(tc.wantSlots, 2*idShardSlots) {
				t.Fatalf("reserve(%d): shard %d has %d slots, want %d", tc.n, i, got, tc.wantSlots)
			}
		}
		if s.len() != len(hs) {
			t.Fatalf("reserve(%d): %d ids, want %d", tc.n, s.len(), len(hs))
		}
		for _, h := range hs {
			if s.add(h) {
				t.Fatalf("reserve(%d) lost %#x", tc.n, h)
			}
		}
		s.reserve(tc.n / 2)
		if s.len() != len(hs) {
			t.Fatalf("a smaller reserve changed the set")
		}
	}
}
