package pipeline

// idSet is a set of 64-bit hashes, one per distinct transaction id: the
// one structure of a run that grows with rows rather than with keys, so
// its bytes per id decide the memory of a long export. It holds 8 bytes
// an id where a map[string]struct{} would keep the id itself plus ~50
// bytes of overhead.
//
// One table that grows ×4 when half full is between an eighth and half
// full (16–64 bytes an id) and holds the old and the new array while it
// grows: 640 MB at the last grow of a 20M-id run. So the set is split by
// the hash's top bits into idShards tables that double on their own when
// 3/4 full: 10.7–21 bytes an id (268 MB for 20M ids), and a grow copies
// one shard at a time. The price is time: BenchmarkIDSet (5M ids) takes
// about 1.4× as long as with the one sparse table, 13.4 bytes an id
// instead of 36.
type idSet struct {
	shards [idShards]idShard
	sink   uint64 // keeps touch's loads from being optimized away
}

const (
	idShardBits = 8
	idShards    = 1 << idShardBits
	// idShardSlots is a shard's size at first: 256 shards of 2 KiB.
	idShardSlots = 256
)

// idShard is open addressing with linear probing over the hash's low bits
// (the top bits chose the shard).
type idShard struct {
	slots []uint64 // 0 = empty
	n     int
	max   int // n at which the shard doubles: 3/4 of len(slots)
}

func newIDSet() *idSet {
	s := &idSet{}
	for i := range s.shards {
		s.shards[i].resize(idShardSlots)
	}
	return s
}

func (s *idSet) shard(h uint64) *idShard { return &s.shards[h>>(64-idShardBits)] }

// idKey maps the hash 0, which marks an empty slot, to 1.
func idKey(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// add inserts h and reports whether it was new.
func (s *idSet) add(h uint64) bool {
	h = idKey(h)
	return s.shard(h).add(h)
}

// touch loads the home slot of each of hs, so that adding them next finds
// those slots in cache. The set is far larger than the caches, and an add
// that waits for its miss before the next one starts is several times
// slower: a probe of varying length mispredicts its exit branch, which
// throws away the next add's early load. touch has no branch to mispredict,
// so its misses overlap.
func (s *idSet) touch(hs []uint64) {
	var x uint64
	for _, h := range hs {
		sh := s.shard(h)
		x ^= sh.slots[h&uint64(len(sh.slots)-1)]
	}
	s.sink ^= x
}

// touchChunk is the hashes touched at a time: their slots' cache lines,
// 64 bytes each, stay in L1/L2 until they are added.
const touchChunk = 256

// reserve grows the shards so that n ids spread evenly fit without a
// grow: a shard then doubles only where the estimate fell short.
func (s *idSet) reserve(n int) {
	per := n / idShards
	size := idShardSlots
	for size-size/4 < per {
		size *= 2
	}
	for i := range s.shards {
		if sh := &s.shards[i]; len(sh.slots) < size {
			sh.resize(size)
		}
	}
}

// remove deletes h if present.
func (s *idSet) remove(h uint64) {
	h = idKey(h)
	s.shard(h).remove(h)
}

// len is the number of hashes in the set.
func (s *idSet) len() int {
	n := 0
	for i := range s.shards {
		n += s.shards[i].n
	}
	return n
}

// bytes is the memory the slots take.
func (s *idSet) bytes() int {
	n := 0
	for i := range s.shards {
		n += 8 * len(s.shards[i].slots)
	}
	return n
}

func (sh *idShard) add(h uint64) bool {
	mask := uint64(len(sh.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch sh.slots[i] {
		case 0:
			if sh.n >= sh.max {
				sh.resize(2 * len(sh.slots))
				return sh.add(h)
			}
			sh.slots[i] = h
			sh.n++
			return true
		case h:
			return false
		}
	}
}

// resize moves the shard's hashes into a table of size slots (a power of
// two).
func (sh *idShard) resize(size int) {
	old := sh.slots
	sh.slots, sh.n, sh.max = make([]uint64, size), 0, size-size/4
	for _, h := range old {
		if h != 0 {
			sh.add(h)
		}
	}
}

// remove deletes h; backward-shift deletion keeps the probe chains intact.
func (sh *idShard) remove(h uint64) {
	mask := uint64(len(sh.slots) - 1)
	i := h & mask
	for {
		switch sh.slots[i] {
		case 0:
			return
		case h:
			sh.slots[i] = 0
			sh.n--
			j := i
			for {
				j = (j + 1) & mask
				v := sh.slots[j]
				if v == 0 {
					return
				}
				home := v & mask
				// move v back if its home is not in (i, j]
				if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
					sh.slots[i], sh.slots[j] = v, 0
					i = j
				}
			}
		}
		i = (i + 1) & mask
	}
}
