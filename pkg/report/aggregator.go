package report

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"unsafe"

	"github.com/payops/analyze/pkg/record"
)

const numOutcomes = int32(record.NumOutcomes)

// Aggregator counts the rows of the batches given to Add. It is owned by one
// goroutine; aggregators of several goroutines are combined with Merge.
// Everything it keeps is an exact count or set, so the result does not
// depend on how rows were spread over aggregators or in which order they
// were merged.
//
// The built-in breakdowns all derive from one table of "combos": the
// distinct tuples (terminal_id, merchant_id, merchant_name, terminal_model,
// terminal_firmware, currency) with their counts per outcome. A terminal
// nearly always keeps its merchant, model and firmware, so there are about
// as many combos as terminals, and a row costs one probe of the combo index,
// one compare of its tuple with the stored one and a counter update, instead
// of a map lookup per field and per breakdown. Tables and Totals roll the
// combos up; the distinct-terminal and distinct-merchant sets fall out of
// that roll-up exactly.
type Aggregator struct {
	by [][]record.Field // the valid --by entries

	fields [record.NumFields]*interner // values of the counted fields
	cur    *interner

	nonPurchase [record.OtherKind + 1]int64

	index    []uint64       // combo index: open addressing, see find
	combos   paged[combo]   // hot: two cache lines each
	comboIDs paged[comboID] // cold: the tuple's ids, for the roll-up
	arena    []byte         // the encoded tuples' bytes past inlineKey, back to back
	cells    cellTable      // declines and amount per (combo, cause)
	sc       scratch

	// --by breakdowns over combo fields only are rolled up from the combos
	// (nil here); the others keep their own groups, keyed by their dims' ids
	byT    []*groupTable
	rowBy  bool           // some byT is not nil
	byNeed []record.Field // fields only --by needs, interned per row
	byHint [][]int32      // per byNeed field, per merchant: the id seen last

	roll *rollup // the last roll-up; nil after a change
}

// combo is one distinct tuple of the built-in dims and its counts, 128
// bytes: the counters and, for most tuples, the whole encoded tuple share
// two adjacent cache lines, so finding and counting a row costs one miss.
type combo struct {
	h                           uint64 // the encoded tuple's hash
	approved, pending, declines int64
	off                         int64 // bytes past inlineKey are arena[off : off+n-inlineKey]
	n                           int32 // the encoded tuple's length
	key                         [inlineKey]byte
}

const inlineKey = 128 - 5*8 - 4

// is reports whether the combo's tuple is key.
func (c *combo) is(arena []byte, key []byte) bool {
	if int(c.n) != len(key) {
		return false
	}
	if len(key) <= inlineKey {
		return string(c.key[:len(key)]) == string(key)
	}
	return string(c.key[:]) == string(key[:inlineKey]) && string(arena[c.off:c.off+int64(len(key)-inlineKey)]) == string(key[inlineKey:])
}

// tuple returns the combo's encoded tuple.
func (c *combo) tuple(arena []byte) []byte {
	if c.n <= inlineKey {
		return c.key[:c.n]
	}
	return append(c.key[:inlineKey:inlineKey], arena[c.off:c.off+int64(c.n-inlineKey)]...)
}

type comboID struct{ tid, mid, name, model, fw, cur int32 }

func isComboField(f record.Field) bool {
	switch f {
	case record.TerminalID, record.MerchantID, record.MerchantName, record.TerminalModel, record.TerminalFirmware:
		return true
	}
	return false
}

func (id *comboID) field(f record.Field) int32 {
	switch f {
	case record.TerminalID:
		return id.tid
	case record.MerchantID:
		return id.mid
	case record.MerchantName:
		return id.name
	case record.TerminalModel:
		return id.model
	case record.TerminalFirmware:
		return id.fw
	}
	return 0
}

// NewAggregator returns an empty aggregator. Entries of opts.By that
// Validate rejects are ignored: call Validate first.
func NewAggregator(opts Options) *Aggregator {
	a := &Aggregator{cur: newInterner()}
	for _, f := range []record.Field{record.MerchantID, record.MerchantName, record.TerminalModel, record.TerminalFirmware, record.TerminalID} {
		a.fields[f] = newInterner()
	}
	for _, dims := range opts.By {
		if checkDims(dims) != nil {
			continue
		}
		dims = slices.Clone(dims)
		a.by = append(a.by, dims)
		if !slices.ContainsFunc(dims, func(f record.Field) bool { return !isComboField(f) }) {
			a.byT = append(a.byT, nil)
			continue
		}
		a.byT = append(a.byT, newGroupTable(dims, false))
		a.rowBy = true
		for _, f := range dims {
			if a.fields[f] == nil {
				a.fields[f] = newInterner()
				a.byNeed = append(a.byNeed, f)
			}
		}
	}
	a.byHint = make([][]int32, len(a.byNeed))
	return a
}

func col(b *record.Batch, f record.Field) []string {
	if c := b.Text[f]; len(c) >= b.Len {
		return c
	}
	return nil
}

func at(c []string, i int) string {
	if c == nil {
		return ""
	}
	return c[i]
}

// appendTuple encodes a tuple: each field's length, then its bytes, so
// that no two tuples encode alike.
func appendTuple(b []byte, f0, f1, f2, f3, f4, f5 string) []byte {
	n := len(f0) + len(f1) + len(f2) + len(f3) + len(f4) + len(f5)
	if n >= 6*127 || len(f0) > 127 || len(f1) > 127 || len(f2) > 127 || len(f3) > 127 || len(f4) > 127 || len(f5) > 127 {
		for _, f := range [6]string{f0, f1, f2, f3, f4, f5} {
			b = binary.AppendUvarint(b, uint64(len(f)))
			b = append(b, f...)
		}
		return b
	}
	// the common case: every length fits in one byte
	b = slices.Grow(b, n+6)
	i := len(b)
	b = b[:i+n+6]
	for _, f := range [6]string{f0, f1, f2, f3, f4, f5} {
		b[i] = byte(len(f))
		i += 1 + copy(b[i+1:], f)
	}
	return b
}

var seed = maphash.MakeSeed()

// Add counts the rows of b. Rows marked Dup are skipped; rows that are not
// purchases are counted by kind and skipped; every purchase is an attempt.
// b is not kept, and Add allocates nothing once its tables have grown.
//
// A large run is bound by cache misses, not instructions: the combo index,
// the combos and the cells do not fit in cache. So Add works on 256 rows at
// a time in passes, each prefetching what the next one reads: encode and
// hash the tuples (prefetching their index slots), read the slots
// (prefetching the combos), confirm and count (prefetching the cells of the
// declines), update the cells. The misses of a chunk then overlap instead
// of being paid one after the other.
func (a *Aggregator) Add(b *record.Batch) {
	a.roll = nil
	n := b.Len
	if len(b.Kind) < n || len(b.Outcome) < n || len(b.Amount) < n {
		a.addSlow(b)
		return
	}
	dup := b.Dup
	if len(dup) < n {
		dup = nil
	}
	kinds, outs, amts := b.Kind[:n], b.Outcome[:n], b.Amount[:n]
	curs := col(b, record.Currency)
	tids, mids, names := col(b, record.TerminalID), col(b, record.MerchantID), col(b, record.MerchantName)
	models, fws := col(b, record.TerminalModel), col(b, record.TerminalFirmware)

	var byCols [record.NumFields][]string
	for _, f := range a.byNeed {
		byCols[f] = col(b, f)
	}
	// in chunks, so that the scratch stays in the fastest caches
	for c0 := 0; c0 < n; c0 += addChunk {
		c1 := min(c0+addChunk, n)
		// pass 1: encode the tuples of the attempts
		sc := &a.sc
		sc.keys, sc.off, sc.rows = sc.keys[:0], append(sc.off[:0], 0), sc.rows[:0]
		for i := c0; i < c1; i++ {
			if dup != nil && dup[i] {
				continue
			}
			if k := kinds[i]; k != record.Purchase {
				a.nonPurchase[min(k, record.OtherKind)]++
				continue
			}
			cur := "CNY"
			if curs != nil && curs[i] != "" {
				cur = curs[i]
			}
			sc.keys = appendTuple(sc.keys, at(tids, i), at(mids, i), at(names, i), at(models, i), at(fws, i), cur)
			sc.off = append(sc.off, int32(len(sc.keys)))
			sc.rows = append(sc.rows, int32(i))
		}
		m := len(sc.rows)
		// pass 2: hash them, and prefetch their index slots
		sc.h = resize(sc.h, m)
		mask := uint64(len(a.index) - 1)
		for j := 0; j < m; j++ {
			h := maphash.Bytes(seed, sc.keys[sc.off[j]:sc.off[j+1]])
			sc.h[j] = h
			if len(a.index) > 0 {
				prefetch(uintptr(unsafe.Pointer(&a.index[h&mask])))
			}
		}
		// pass 3: read the slots, prefetch the combos they point to
		sc.ci = resize(sc.ci, m)
		for j := 0; j < m; j++ {
			sc.ci[j] = -1
			if len(a.index) == 0 {
				continue
			}
			if s := a.index[sc.h[j]&mask]; s != 0 {
				ci := int32(-1)
				if s>>32 == sc.h[j]>>32 {
					ci = int32(uint32(s)) - 1
				} else {
					ci, _ = a.probe(sc.h[j], sc.h[j]+1)
				}
				if ci >= 0 {
					p := uintptr(unsafe.Pointer(a.combos.at(ci)))
					prefetch(p)
					prefetch(p + 64)
					if a.rowBy {
						prefetch(uintptr(unsafe.Pointer(a.comboIDs.at(ci))))
					}
				}
				sc.ci[j] = ci
			}
		}
		// pass 4: confirm the combos (or add them), count, prefetch the cells
		sc.os, sc.am = resize(sc.os, m), resize(sc.am, m)
		for j := 0; j < m; j++ {
			key := sc.keys[sc.off[j]:sc.off[j+1]]
			ci := sc.ci[j]
			if ci < 0 || !a.match(ci, sc.h[j], key) {
				// a later slot of the probe, a new combo, or one added earlier in this chunk
				if ci = a.find(sc.h[j], key); ci < 0 {
					ci = a.newCombo(key, sc.h[j])
				}
				sc.ci[j] = ci
			}
			i := sc.rows[j]
			o := outs[i]
			if o >= record.NumOutcomes {
				o = record.Unknown
			}
			sc.os[j], sc.am[j] = o, amts[i]
			cb := a.combos.at(ci)
			switch o {
			case record.Approved:
				cb.approved++
			case record.Pending:
				cb.pending++
			default:
				cb.declines++
				a.cells.prefetch(cellKey(ci, o))
			}
		}
		// pass 5: the cells of the declines
		for j := 0; j < m; j++ {
			if o := sc.os[j]; o.IsDecline() {
				a.cells.add(cellKey(sc.ci[j], o), 1, sc.am[j])
			}
		}
		if a.rowBy {
			for j := 0; j < m; j++ {
				a.addBy(&byCols, int(sc.rows[j]), sc.ci[j], sc.os[j], sc.am[j])
			}
		}
	}
}

// addChunk is the rows Add encodes at a time: their tuples (about 100 bytes
// each) stay in L1/L2 between the passes.
const addChunk = 256

// scratch holds Add's per-batch work arrays, reused from batch to batch.
type scratch struct {
	keys []byte
	off  []int32 // tuple j is keys[off[j]:off[j+1]]
	rows []int32 // tuple j is row rows[j]
	h    []uint64
	ci   []int32
	os   []record.Outcome
	am   []int64
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// The combo index is open addressing with linear probing, at most half
// full. A slot packs the top 32 bits of the hash with the combo's index + 1
// (0 = empty), so most probes need no other memory to rule a slot out.
func slotOf(h uint64, ci int32) uint64 { return h>>32<<32 | uint64(uint32(ci+1)) }

// probe returns the first combo from h's home slot on whose slot carries
// h's tag, or -1; next is the slot after it, to go on from.
func (a *Aggregator) probe(h uint64, from uint64) (ci int32, next uint64) {
	mask := uint64(len(a.index) - 1)
	for i := from & mask; ; i = (i + 1) & mask {
		s := a.index[i]
		if s == 0 {
			return -1, i
		}
		if s>>32 == h>>32 {
			return int32(uint32(s)) - 1, i + 1
		}
	}
}

// find returns the combo of the tuple key with hash h, or -1.
func (a *Aggregator) find(h uint64, key []byte) int32 {
	if len(a.index) == 0 {
		return -1
	}
	for i := h; ; {
		var ci int32
		if ci, i = a.probe(h, i); ci < 0 || a.match(ci, h, key) {
			return ci
		}
	}
}

// match reports whether combo ci is the tuple key: every byte is compared,
// so a hash collision can never merge two tuples.
func (a *Aggregator) match(ci int32, h uint64, key []byte) bool {
	c := a.combos.at(ci)
	return c.h == h && c.is(a.arena, key)
}

// newCombo adds the combo of the encoded tuple key (copied).
func (a *Aggregator) newCombo(key []byte, h uint64) int32 {
	var v [6]string
	rest := key
	for j := range v {
		l, n := binary.Uvarint(rest)
		// no copy: the interners clone what they keep
		v[j], rest = unsafe.String(unsafe.SliceData(rest[n:]), int(l)), rest[n+int(l):]
	}
	ci := a.combos.push(combo{h: h, off: int64(len(a.arena)), n: int32(len(key))})
	copy(a.combos.at(ci).key[:], key)
	if len(key) > inlineKey {
		a.arena = append(a.arena, key[inlineKey:]...)
	}
	a.comboIDs.push(comboID{
		tid:   a.fields[record.TerminalID].id(v[0]),
		mid:   a.fields[record.MerchantID].id(v[1]),
		name:  a.fields[record.MerchantName].id(v[2]),
		model: a.fields[record.TerminalModel].id(v[3]),
		fw:    a.fields[record.TerminalFirmware].id(v[4]),
		cur:   a.cur.id(v[5]),
	})
	if 2*a.combos.len() > len(a.index) {
		a.index = make([]uint64, max(1024, 2*len(a.index)))
		for j := range ci {
			a.put(a.combos.at(j).h, j)
		}
	}
	a.put(h, ci)
	return ci
}

func (a *Aggregator) put(h uint64, ci int32) {
	mask := uint64(len(a.index) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if a.index[i] == 0 {
			a.index[i] = slotOf(h, ci)
			return
		}
	}
}

// addSlow handles a batch whose Kind, Outcome or Amount column is short or
// missing: a missing kind is a purchase, a missing outcome unknown, a
// missing amount zero.
func (a *Aggregator) addSlow(b *record.Batch) {
	c := *b
	n := b.Len
	if len(b.Amount) < n {
		c.Amount = append(slices.Clone(b.Amount), make([]int64, n-len(b.Amount))...)
	}
	if len(b.Kind) < n {
		c.Kind = append(slices.Clone(b.Kind), make([]record.TxnKind, n-len(b.Kind))...)
	}
	if len(b.Outcome) < n {
		c.Outcome = slices.Clone(b.Outcome)
		for len(c.Outcome) < n {
			c.Outcome = append(c.Outcome, record.Unknown)
		}
	}
	a.Add(&c)
}

// addBy counts one attempt of combo ci in the --by breakdowns.
func (a *Aggregator) addBy(cols *[record.NumFields][]string, i int, ci int32, o record.Outcome, amt int64) {
	cb := a.comboIDs.at(ci)
	var fid [record.NumFields]int32
	fid[record.TerminalID], fid[record.MerchantID], fid[record.MerchantName] = cb.tid, cb.mid, cb.name
	fid[record.TerminalModel], fid[record.TerminalFirmware] = cb.model, cb.fw
	m := cb.mid
	for j, f := range a.byNeed {
		hs := grow(a.byHint[j], m)
		a.byHint[j] = hs
		id := a.fields[f].hinted(at(cols[f], i), hs[m])
		hs[m] = id
		fid[f] = id
	}
	var ids [record.NumFields]int32
	for k, t := range a.byT {
		if t == nil {
			continue
		}
		for j, f := range a.by[k] {
			ids[j] = fid[f]
		}
		t.add(t.lookup(ids[:len(a.by[k])], cb.cur), o, amt)
	}
}

// Merge adds o into a. o must have been made with the same Options; it is
// consumed: left empty.
func (a *Aggregator) Merge(o *Aggregator) {
	if o == nil || o == a {
		return
	}
	a.roll = nil
	for k := range a.nonPurchase {
		a.nonPurchase[k] += o.nonPurchase[k]
	}
	cmap := make([]int32, o.combos.len())
	for ci := range int32(o.combos.len()) {
		oc := o.combos.at(ci)
		key := oc.tuple(o.arena)
		n := a.find(oc.h, key)
		if n < 0 {
			n = a.newCombo(key, oc.h)
		}
		cmap[ci] = n
		nc := a.combos.at(n)
		nc.approved += oc.approved
		nc.pending += oc.pending
		nc.declines += oc.declines
	}
	for _, sl := range o.cells.slots {
		if sl.key != 0 {
			ci, cause := splitCellKey(sl.key)
			a.cells.add(cellKey(cmap[ci], cause), sl.declines, sl.amount)
		}
	}
	if a.rowBy {
		var fmap [record.NumFields][]int32
		for f, t := range a.fields {
			if t != nil && o.fields[f] != nil {
				fmap[f] = t.remap(o.fields[f])
			}
		}
		curMap := a.cur.remap(o.cur)
		for k, t := range a.byT {
			if t != nil && k < len(o.byT) && o.byT[k] != nil && slices.Equal(a.by[k], o.by[k]) {
				t.merge(o.byT[k], &fmap, curMap)
			}
		}
	}
	*o = *NewAggregator(Options{By: o.by})
}
