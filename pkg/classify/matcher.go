package classify

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/payops/analyze/pkg/record"
)

// Cache bounds of a Matcher. Exports have a few hundred distinct
// combinations; the bounds only guard against columns of unique junk.
const (
	maxCache  = 1 << 16 // first level: code, sub-code, payment method, channel
	maxCache2 = 1 << 16 // second level: model, firmware, MCC, region, keyword set
	maxKWSets = 1 << 14 // distinct sets of keywords found in messages
)

// key is the first cache level: the fields every decision reads. A struct
// of strings hashes without building a concatenated string per row.
//
// Most rows are decided here: approvals and codes that no rule refines
// never look further. A first-level entry that depends on more (a rule
// on the terminal model, the MCC or the message may apply) records which
// inputs, and the row goes on to the second level, keyed by the entry's
// id and only those inputs. resp_msg enters the second key as the id of
// the set of keywords it contains, never as text, since messages carry
// order numbers and would make every row distinct.
type key struct {
	code, subcode, paymentMethod, channel string
}

type result struct {
	out   record.Outcome
	ns    record.Namespace
	needs uint8 // 0: decided; else the stage-2 inputs the decision reads
	src   RuleRef
	id    uint32 // names this entry in second-level keys
	// kws are the keywords the reachable rules test, when there are at
	// most maxLocalKW of them: the message is then searched for those
	// alone and kwMask says which it holds (bit i: kws[i]). nil: scan for
	// every keyword and key by the interned set.
	kws []int32
}

// maxLocalKW: up to this many keywords, searching for each (strings.Index
// is fast on short texts) beats a scan for all of them. An entry such as
// WeChat USERPAYING, where one rule looks for 余额不足, is the common case.
const maxLocalKW = 8

type key2 struct {
	id, kw                 uint32
	kwMask                 uint64
	model, fw, mcc, region string
}

type result2 struct {
	out record.Outcome
	ns  record.Namespace
	src RuleRef
}

// Matcher classifies rows with a cache. One per worker goroutine: it is
// not safe for concurrent use.
type Matcher struct {
	c       *Classifier
	cache   map[key]result
	cache2  map[key2]result2
	nextID  uint32
	kwIDs   map[string]uint32
	kwSets  [][]uint64
	scratch []uint64
	kwKey   []byte
	fold    []byte
	empty   []string
}

// NewMatcher returns a Matcher over c's rules.
func (c *Classifier) NewMatcher() *Matcher {
	w := c.kw.words()
	return &Matcher{c: c, cache: make(map[key]result, 256), cache2: make(map[key2]result2, 256),
		kwIDs: make(map[string]uint32), scratch: make([]uint64, w), kwKey: make([]byte, 8*w)}
}

// Classify returns the outcome of one transaction from its code,
// sub-code, payment method and channel alone (the other fields empty),
// and the namespace its deciding code was read in. The arguments are
// normalized values as ingest produces them; "" means absent.
func (m *Matcher) Classify(code, subcode, paymentMethod, channel string) (record.Outcome, record.Namespace) {
	r := m.lookup(key{code, subcode, paymentMethod, channel})
	if r.needs == 0 {
		return r.out, r.ns
	}
	k2 := key2{id: r.id}
	if r.kws == nil {
		k2.kw = m.kwSet("")
	}
	r2 := m.lookup2(k2, key{code, subcode, paymentMethod, channel}, &r)
	return r2.out, r2.ns
}

func (m *Matcher) lookup(k key) result {
	if r, ok := m.cache[k]; ok {
		return r
	}
	if len(m.cache) >= maxCache {
		clear(m.cache)
		clear(m.cache2) // its keys name first-level entries
	}
	er := evalRow{code: k.code, sub: k.subcode, pm: k.paymentMethod, ch: k.channel}
	out, ns, src, needs, kws := m.c.stage1(&er)
	m.nextID++
	r := result{out: out, ns: ns, needs: needs, src: src, id: m.nextID}
	if len(kws) <= maxLocalKW {
		r.kws = kws
		if r.kws == nil {
			r.kws = []int32{}
		}
	}
	// Batch strings may live in an arena that is reused after the batch;
	// the cache outlives it, so it keeps copies.
	m.cache[key{strings.Clone(k.code), strings.Clone(k.subcode), strings.Clone(k.paymentMethod), strings.Clone(k.channel)}] = r
	return r
}

func (m *Matcher) lookup2(k2 key2, k key, r1 *result) result2 {
	if r, ok := m.cache2[k2]; ok {
		return r
	}
	if len(m.cache2) >= maxCache2 {
		clear(m.cache2)
	}
	er := evalRow{code: k.code, sub: k.subcode, pm: k.paymentMethod, ch: k.channel,
		model: k2.model, fw: k2.fw, mcc: k2.mcc, region: k2.region}
	if r1.needs&needMsg != 0 {
		if r1.kws != nil {
			// Only the reachable rules' keywords were looked for; the
			// others cannot change the decision.
			er.kw = make([]uint64, m.c.kw.words())
			for i, id := range r1.kws {
				if k2.kwMask&(1<<i) != 0 {
					er.kw[id>>6] |= 1 << (id & 63)
				}
			}
		} else {
			er.kw = m.kwSets[k2.kw]
		}
	}
	out, ns, src := m.c.decide(&er)
	r := result2{out, ns, src}
	k2.model, k2.fw, k2.mcc, k2.region = strings.Clone(k2.model), strings.Clone(k2.fw), strings.Clone(k2.mcc), strings.Clone(k2.region)
	m.cache2[k2] = r
	return r
}

// kwLocal returns which of the keywords kws msg contains, as a mask.
func (m *Matcher) kwLocal(msg string, kws []int32) uint64 {
	if msg == "" {
		return 0
	}
	for i := 0; i < len(msg); i++ {
		if c := msg[i]; c >= 'A' && c <= 'Z' {
			// English text with capitals: fold a copy (keywords are lower-case).
			m.fold = append(m.fold[:0], msg...)
			for j, c := range m.fold {
				m.fold[j] = lower(c)
			}
			var mask uint64
			for i, id := range kws {
				if bytes.Contains(m.fold, m.c.kwBytes[id]) {
					mask |= 1 << i
				}
			}
			return mask
		}
	}
	var mask uint64
	for i, id := range kws {
		if strings.Contains(msg, m.c.keywords[id]) {
			mask |= 1 << i
		}
	}
	return mask
}

// kwSet returns the id of the set of keywords msg contains.
func (m *Matcher) kwSet(msg string) uint32 {
	clear(m.scratch)
	m.c.kw.scan(msg, m.scratch)
	for i, w := range m.scratch {
		binary.LittleEndian.PutUint64(m.kwKey[8*i:], w)
	}
	if id, ok := m.kwIDs[string(m.kwKey)]; ok {
		return id
	}
	if len(m.kwSets) >= maxKWSets {
		clear(m.kwIDs)
		m.kwSets = m.kwSets[:0]
		clear(m.cache2) // its keys name keyword sets
	}
	id := uint32(len(m.kwSets))
	m.kwSets = append(m.kwSets, slices.Clone(m.scratch))
	m.kwIDs[string(m.kwKey)] = id
	return id
}

// ClassifyBatch sets b.Outcome and b.NS for every row of b, reusing their
// backing arrays when large enough. Absent columns (nil) read as "".
func (m *Matcher) ClassifyBatch(b *record.Batch) { m.classifyBatch(b, nil) }

// ClassifyBatchRefs is ClassifyBatch that also records, per row, what
// decided it (see Classifier.Decision). refs is reused when large
// enough; the result has b.Len entries. ClassifyBatch does not pay for
// this.
func (m *Matcher) ClassifyBatchRefs(b *record.Batch, refs []RuleRef) []RuleRef {
	refs = resize(refs, b.Len)
	m.classifyBatch(b, refs)
	return refs
}

func (m *Matcher) classifyBatch(b *record.Batch, refs []RuleRef) {
	n := b.Len
	b.Outcome = resize(b.Outcome, n)
	b.NS = resize(b.NS, n)
	if len(m.empty) < n {
		m.empty = make([]string, n)
	}
	codes := m.column(b, record.RespCode)
	subs := m.column(b, record.RespSubcode)
	pms := m.column(b, record.PaymentMethod)
	chs := m.column(b, record.Channel)
	// The second-level columns are looked up lazily, once per batch.
	var models, fws, mccs, regions, msgs []string
	loaded := false
	for i := 0; i < n; i++ {
		k := key{codes[i], subs[i], pms[i], chs[i]}
		r := m.lookup(k)
		out, ns, src := r.out, r.ns, r.src
		if r.needs != 0 {
			if !loaded {
				models, fws = m.column(b, record.TerminalModel), m.column(b, record.TerminalFirmware)
				mccs, regions, msgs = m.column(b, record.MCC), m.column(b, record.Region), m.column(b, record.RespMsg)
				loaded = true
			}
			k2 := key2{id: r.id}
			if r.needs&needModel != 0 {
				k2.model = models[i]
			}
			if r.needs&needFirmware != 0 {
				k2.fw = fws[i]
			}
			if r.needs&needMCC != 0 {
				k2.mcc = mccs[i]
			}
			if r.needs&needRegion != 0 {
				k2.region = regions[i]
			}
			if r.needs&needMsg != 0 {
				if r.kws != nil {
					k2.kwMask = m.kwLocal(msgs[i], r.kws)
				} else {
					k2.kw = m.kwSet(msgs[i])
				}
			}
			r2 := m.lookup2(k2, k, &r)
			out, ns, src = r2.out, r2.ns, r2.src
		}
		b.Outcome[i] = out
		b.NS[i] = ns
		if refs != nil {
			refs[i] = src
		}
	}
}

// column returns field f of b, or a column of empty strings when it is
// absent or shorter than the batch (which would be an ingest bug; reading
// it as absent beats a panic in a worker).
func (m *Matcher) column(b *record.Batch, f record.Field) []string {
	c := b.Text[f]
	if len(c) < b.Len {
		return m.empty[:b.Len]
	}
	return c[:b.Len]
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
