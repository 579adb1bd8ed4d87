package classify

// kwScanner finds which of a fixed set of keywords occur in a message, in
// one pass over its bytes: an Aho-Corasick automaton turned into a DFA
// over byte classes (bytes that occur in no keyword share one class, and
// A-Z share the classes of a-z, so English keywords ignore case). Running
// strings.Contains once per keyword would cost a pass per keyword; the
// scan runs only on a Matcher cache miss at the message level, but the
// message text varies with order numbers, so misses are not rare.
type kwScanner struct {
	n       int // keywords
	classes [256]uint8
	nclass  int
	trans   []int32   // state*nclass + class → state
	out     [][]int32 // per state: keyword ids that end here
}

func newKWScanner(keywords []string) *kwScanner {
	k := &kwScanner{n: len(keywords)}
	// Byte classes: 0 for bytes in no keyword.
	var seen [256]bool
	for _, w := range keywords {
		for i := 0; i < len(w); i++ {
			seen[w[i]] = true
		}
	}
	next := 1
	for c := 0; c < 256; c++ {
		if seen[c] {
			k.classes[c] = uint8(next)
			next++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		k.classes[c] = k.classes[c+'a'-'A']
	}
	k.nclass = next
	// Trie, as goto transitions; -1 = none.
	gotoT := []int32{}
	newState := func() int32 {
		for i := 0; i < k.nclass; i++ {
			gotoT = append(gotoT, -1)
		}
		k.out = append(k.out, nil)
		return int32(len(k.out) - 1)
	}
	newState()
	for id, w := range keywords {
		s := int32(0)
		for i := 0; i < len(w); i++ {
			c := int32(k.classes[w[i]])
			if gotoT[s*int32(k.nclass)+c] < 0 {
				ns := newState()
				gotoT[s*int32(k.nclass)+c] = ns
			}
			s = gotoT[s*int32(k.nclass)+c]
		}
		k.out[s] = append(k.out[s], int32(id))
	}
	// Breadth-first: failure links, then the full transition table.
	nc := int32(k.nclass)
	fail := make([]int32, len(k.out))
	k.trans = make([]int32, len(gotoT))
	queue := []int32{}
	for c := int32(0); c < nc; c++ {
		if t := gotoT[c]; t > 0 {
			fail[t] = 0
			k.trans[c] = t
			queue = append(queue, t)
		} else {
			k.trans[c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		k.out[s] = append(k.out[s], k.out[fail[s]]...)
		for c := int32(0); c < nc; c++ {
			t := gotoT[s*nc+c]
			if t > 0 {
				fail[t] = k.trans[fail[s]*nc+c]
				k.trans[s*nc+c] = t
				queue = append(queue, t)
			} else {
				k.trans[s*nc+c] = k.trans[fail[s]*nc+c]
			}
		}
	}
	return k
}

// words is the length of the bit set scan fills.
func (k *kwScanner) words() int { return (k.n + 63) / 64 }

// scan sets bits[id] for every keyword found in s; bits must be zeroed
// and words() long.
func (k *kwScanner) scan(s string, bits []uint64) {
	if k.n == 0 {
		return
	}
	nc := int32(k.nclass)
	st := int32(0)
	for i := 0; i < len(s); i++ {
		st = k.trans[st*nc+int32(k.classes[s[i]])]
		for _, id := range k.out[st] {
			bits[id>>6] |= 1 << (id & 63)
		}
	}
}
