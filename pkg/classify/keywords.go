package classify

// kwScanner finds which of a fixed set of keywords occur in a message.
// Keywords are lower-case; the message is compared with ASCII letters
// lower-cased, so English keywords ignore case.
//
// Only positions whose byte starts some keyword are looked at (never a
// UTF-8 continuation byte, nor the digits of order numbers); there the
// first three bytes (one Chinese character, or three ASCII letters) pick
// a bucket of a small hash table, usually empty, and the keywords in it
// are compared whole. Share of BenchmarkRules (default rules) CPU spent
// scanning, as measured on the way here: an Aho-Corasick DFA 13% (its
// transition table, states × byte classes, is megabytes for the default
// keywords and missed the cache on most bytes); a bitmap of first two
// bytes 15-22% (a two-byte prefix is shared by a whole block of Chinese
// characters, so most positions passed); a bitmap of first three bytes
// 13-15%; these buckets, with the Matcher searching for only the
// reachable rules' keywords when they are few (WeChat USERPAYING: one),
// 7%.
type kwScanner struct {
	n      int
	first  [256]bool // bytes a keyword starts with (both cases of letters)
	bucket [triBuckets + 1]uint16
	ents   []kwEntry          // keywords of three bytes or more, by bucket of their first three
	short  map[string][]int32 // keywords of one or two bytes
}

// triBuckets is the size of the table of first-three-byte hashes: 16 KiB
// of offsets, for a few hundred keywords, so an empty bucket is the
// common answer for a position that starts no keyword.
const triBuckets = 1 << 12

type kwEntry struct {
	tri  uint32
	id   int32
	word string
}

func newKWScanner(keywords []string) *kwScanner {
	k := &kwScanner{n: len(keywords), short: map[string][]int32{}}
	var long []kwEntry
	for id, w := range keywords {
		w = foldMsg(w)
		if w != "" {
			k.first[w[0]] = true
			if c := w[0]; c >= 'a' && c <= 'z' {
				k.first[c-'a'+'A'] = true
			}
		}
		switch {
		case len(w) == 0:
		case len(w) < 3:
			k.short[w] = append(k.short[w], int32(id))
		default:
			long = append(long, kwEntry{trigram(w, 0), int32(id), w})
		}
	}
	// Counting sort by bucket: ents[bucket[h]:bucket[h+1]] are bucket h's.
	var count [triBuckets + 1]int
	for _, e := range long {
		count[triHash(e.tri)+1]++
	}
	for h := 1; h <= triBuckets; h++ {
		count[h] += count[h-1]
		k.bucket[h] = uint16(count[h])
	}
	k.ents = make([]kwEntry, len(long))
	next := count
	for _, e := range long {
		h := triHash(e.tri)
		k.ents[next[h]] = e
		next[h]++
	}
	return k
}

func trigram(s string, i int) uint32 {
	return uint32(lower(s[i]))<<16 | uint32(lower(s[i+1]))<<8 | uint32(lower(s[i+2]))
}

func triHash(t uint32) uint32 { return (t * 2654435761) >> (32 - 12) }

// words is the length of the bit set scan fills.
func (k *kwScanner) words() int { return (k.n + 63) / 64 }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// scan sets bits[id] for every keyword found in s; bits must be zeroed
// and words() long.
func (k *kwScanner) scan(s string, bits []uint64) {
	if k.n == 0 {
		return
	}
	for i := 0; i < len(s); i++ {
		// Most bytes start no keyword: UTF-8 continuation bytes (no
		// keyword starts inside a character) and digits (order numbers).
		if !k.first[s[i]] {
			continue
		}
		if len(k.short) > 0 {
			k.scanShort(s, i, bits)
		}
		if i+3 > len(s) {
			continue
		}
		t := trigram(s, i)
		h := triHash(t)
		for _, e := range k.ents[k.bucket[h]:k.bucket[h+1]] {
			if e.tri == t && hasFoldedPrefix(s[i:], e.word) {
				bits[e.id>>6] |= 1 << (e.id & 63)
			}
		}
	}
}

func (k *kwScanner) scanShort(s string, i int, bits []uint64) {
	var buf [2]byte
	for n := 1; n <= 2 && i+n <= len(s); n++ {
		buf[0] = lower(s[i])
		if n == 2 {
			buf[1] = lower(s[i+1])
		}
		for _, id := range k.short[string(buf[:n])] {
			bits[id>>6] |= 1 << (id & 63)
		}
	}
}

// hasFoldedPrefix reports whether s starts with w, ASCII case folded (w
// is lower-case).
func hasFoldedPrefix(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		if lower(s[j]) != w[j] {
			return false
		}
	}
	return true
}
