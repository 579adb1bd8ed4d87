package ingest

import (
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/payops/analyze/pkg/record"
)

// rawRow is one input row as text, by canonical field, before validation.
// Readers of every format fill it; rowBuilder turns it into batch columns.
type rawRow struct {
	val     [numCols]string
	line    int64 // CSV line or Parquet row, 1-based
	hasTime bool  // time already parsed (typed Parquet column)
	time    int64
	hasAmt  bool // amount already in minor units (typed Parquet column)
	amt     int64
	// fill, when set, puts in val the text of typed values the reader left
	// out (Parquet makes it only for a row that is rejected); at is the
	// row's index for it. Call complete before reading such text.
	fill func(r *rawRow, at int)
	at   int
}

// complete fills in the text left out, once.
func (r *rawRow) complete() {
	if r.fill != nil {
		fill := r.fill
		r.fill = nil
		fill(r, r.at)
	}
}

// rowBuilder validates and normalizes rows into a batch. One per worker
// goroutine; not safe for concurrent use.
type rowBuilder struct {
	file *fileCtx
	b    *record.Batch
	tp   *timeParser
	// the last raw value and its normalized form, per vocabulary field:
	// exports repeat the same few values row after row
	lastRaw, lastNorm [record.NumFields]string
	lastOK            [record.NumFields]bool
	lastKind          record.TxnKind
	methods, channels vocabMemo
}

// vocabMemo remembers the ids of raw vocabulary texts: a channel or
// payment method column holds a handful of values in any order, so the
// last value alone hit a third of the time, and a map lookup cost 20 ns.
// It is open addressing over a few slots; past them a value goes to the
// map each time. Its strings may point into the part being decoded, so
// it lives as long as the rowBuilder, one part.
type vocabMemo [32]struct {
	raw, id  string
	ok, used bool
}

// lookup returns s's id in voc, or s trimmed and false when voc lacks it.
func (m *vocabMemo) lookup(voc map[string]string, s string) (string, bool) {
	var w uint64
	for i := 0; i < len(s) && i < 8; i++ { // the first bytes and the length
		w = w<<8 | uint64(s[i])
	}
	h := int((w ^ uint64(len(s))<<56) * 0x9E3779B97F4A7C15 >> 59) // 5 bits
	for j := range 4 {
		e := &m[(h+j)&(len(m)-1)]
		if !e.used {
			e.raw, e.used = s, true
			if e.id, e.ok = lookupVocab(voc, s); !e.ok {
				e.id = strings.TrimSpace(s)
			}
			return e.id, e.ok
		}
		if e.raw == s {
			return e.id, e.ok
		}
	}
	id, ok := lookupVocab(voc, s)
	if !ok {
		id = strings.TrimSpace(s)
	}
	return id, ok
}

func newRowBuilder(fc *fileCtx) *rowBuilder {
	return &rowBuilder{file: fc, tp: newTimeParser(fc.opts.location())}
}

// start begins a new batch on the column slices of a released one, if
// any: fresh columns for every batch were a gigabyte of allocation per
// 5M rows, paid in zeroing, page faults and garbage collection. The
// batch's Release gives its columns back.
func (rb *rowBuilder) start(seq, capHint int) *record.Batch {
	fc := rb.file
	b := &record.Batch{Source: fc.path, FileIndex: fc.index, Seq: seq}
	cs, _ := colPool.Get().(*batchCols)
	if cs == nil {
		cs = &batchCols{}
	}
	b.Line = reuse(cs.line, capHint)
	b.Time = reuse(cs.time, capHint)
	b.Amount = reuse(cs.amount, capHint)
	b.Kind = reuse(cs.kind, capHint)
	b.Outcome, b.NS = cs.outcome[:0], cs.ns[:0] // classify sizes them
	for _, f := range fc.textFields {
		b.Text[f] = reuse(cs.text[f], capHint)
	}
	b.Release = func() { recycleCols(b) }
	rb.b = b
	return b
}

// batchCols are the column slices of a released batch, kept for the next.
type batchCols struct {
	line, time, amount []int64
	kind               []record.TxnKind
	outcome            []record.Outcome
	ns                 []record.Namespace
	text               [record.NumFields][]string
}

var colPool sync.Pool

// reuse returns s emptied when it can hold n values, else a new slice.
func reuse[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n)
	}
	return s[:0]
}

// recycleCols takes b's columns for a later batch; b must not be used
// after. Under ScribbleReleased every value is overwritten first, so a
// test catches a stage that kept a column instead of copying it.
func recycleCols(b *record.Batch) {
	cs := &batchCols{line: b.Line, time: b.Time, amount: b.Amount, kind: b.Kind, outcome: b.Outcome, ns: b.NS, text: b.Text}
	if ScribbleReleased {
		for _, c := range cs.text {
			for i := range c {
				c[i] = "\xff\xff\xff"
			}
		}
		for _, c := range [][]int64{cs.line, cs.time, cs.amount} {
			for i := range c {
				c[i] = math.MinInt64
			}
		}
		for i := range cs.kind {
			cs.kind[i] = record.TxnKind(0xFF)
		}
		for i := range cs.outcome {
			cs.outcome[i] = record.NumOutcomes // no outcome
		}
		for i := range cs.ns {
			cs.ns[i] = record.Namespace(0xFF)
		}
	}
	b.Line, b.Time, b.Amount, b.Kind, b.Outcome, b.NS, b.Text = nil, nil, nil, nil, nil, nil, [record.NumFields][]string{}
	colPool.Put(cs)
}

func isText(f record.Field) bool {
	return f != record.TxnTime && f != record.Amount && f != record.TxnType
}

// reject records a row fault.
// raw is the record as read (nil for Parquet, where the values are joined).
func (rb *rowBuilder) reject(r *rawRow, column string, err error, raw []byte) {
	r.complete()
	e := &record.Error{Kind: record.KindRow, File: rb.file.path, Column: column, Err: err, Raw: record.MaskPANs(rb.file.display(raw, r))}
	if rb.file.parquet {
		e.Row = r.line
	} else {
		e.Line = r.line
	}
	rb.b.Rejects = append(rb.b.Rejects, e)
	rb.b.Read++
}

// add validates r and appends it to the batch, or rejects it.
func (rb *rowBuilder) add(r *rawRow, raw []byte) {
	fc, b := rb.file, rb.b
	v := &r.val

	// Fill from the master files first, so their values are normalized and
	// validated like the export's own. Readers reuse one rawRow, so a field
	// only a master fills must not keep the previous row's value.
	for _, f := range fc.filled {
		v[f] = ""
	}
	if fc.opts.Terminals != nil {
		if t, ok := fc.opts.Terminals.byID[strings.TrimSpace(v[record.TerminalID])]; ok {
			if t.model != "" {
				v[record.TerminalModel] = t.model
			}
			if t.firmware != "" {
				v[record.TerminalFirmware] = t.firmware
			}
		}
	}
	if fc.opts.Merchants != nil {
		if m, ok := fc.opts.Merchants.byID[strings.TrimSpace(v[record.MerchantID])]; ok {
			if m.name != "" {
				v[record.MerchantName] = m.name
			}
			if m.mcc != "" {
				v[record.MCC] = m.mcc
			}
			if m.region != "" {
				v[record.Region] = m.region
			}
		}
	}

	kind := record.Purchase
	if fc.present[record.TxnType] {
		if t := v[record.TxnType]; t != rb.lastRaw[record.TxnType] || !rb.lastOK[record.TxnType] {
			k, ok := lookupKind(t)
			if !ok {
				k = record.OtherKind
			}
			rb.lastRaw[record.TxnType], rb.lastKind, rb.lastOK[record.TxnType] = t, k, ok
		}
		kind = rb.lastKind
		if !rb.lastOK[record.TxnType] {
			b.Miss(record.TxnType, strings.TrimSpace(v[record.TxnType]))
		}
	}

	mid := strings.TrimSpace(v[record.MerchantID])
	if mid == "" {
		rb.reject(r, fc.header(record.MerchantID), fmt.Errorf("empty merchant id"), raw)
		return
	}

	ts := r.time
	if !r.hasTime {
		s := v[record.TxnTime]
		if fc.present[colDate] {
			if j, ok := joinDateTime(v[colDate], s); ok {
				s = j
			}
		}
		t, err := rb.tp.parse(s)
		if err != nil {
			rb.reject(r, fc.header(record.TxnTime), fmt.Errorf("%w, got %q", err, s), raw)
			return
		}
		ts = t
	}
	if !fc.opts.keeps(ts) {
		b.Filtered++
		b.Read++
		return
	}

	cur := "CNY"
	if fc.present[record.Currency] {
		if c := v[record.Currency]; c != rb.lastRaw[record.Currency] || rb.lastNorm[record.Currency] == "" {
			rb.lastRaw[record.Currency], rb.lastNorm[record.Currency] = c, record.NormalizeCurrency(strings.ToUpper(strings.TrimSpace(c)))
		}
		cur = rb.lastNorm[record.Currency]
	}
	amt := r.amt
	if !r.hasAmt {
		a, err := parseAmount(v[record.Amount], record.CurrencyDigits(cur), fc.opts.AmountUnit == "fen")
		if err != nil {
			if err == errAmount {
				err = fmt.Errorf("%w, got %q", err, v[record.Amount])
			}
			rb.reject(r, fc.header(record.Amount), err, raw)
			return
		}
		amt = a
	}
	if amt < 0 && kind == record.Purchase {
		r.complete()
		rb.reject(r, fc.header(record.Amount), fmt.Errorf("%w: %s", errNegative, strings.TrimSpace(v[record.Amount])), raw)
		return
	}

	b.Line = append(b.Line, r.line)
	b.Time = append(b.Time, ts)
	b.Amount = append(b.Amount, amt)
	b.Kind = append(b.Kind, kind)
	for _, f := range fc.textFields {
		s := v[f]
		switch f {
		case record.MerchantID:
			s = mid
		case record.RespCode, record.RespSubcode:
			s = normCode(s)
		case record.Currency:
			s = cur
		case record.PaymentMethod, record.Channel:
			var ok bool
			if f == record.Channel {
				s, ok = rb.channels.lookup(channels, s)
			} else {
				s, ok = rb.methods.lookup(paymentMethods, s)
			}
			if !ok && s != "" {
				b.Miss(f, s)
			}
		case record.PAN:
			s = record.MaskPAN(s)
		default:
			s = trimSpace(s)
		}
		// A card number in any other column than the ids is masked and
		// counted: it is a sign that the export leaks card data.
		if len(s) >= 13 && f != record.MerchantID && f != record.TerminalID && f != record.TxnID && f != record.PAN {
			var n int
			if s, n = record.MaskPANsCount(s); n > 0 {
				b.PANs += n
			}
		}
		b.Text[f] = append(b.Text[f], s)
	}
	b.Len++
	b.Read++
}

// trimSpace is strings.TrimSpace without the call when there is nothing to trim.
func trimSpace(s string) string {
	if len(s) > 0 && (s[0] <= ' ' || s[len(s)-1] <= ' ') {
		return strings.TrimSpace(s)
	}
	return s
}
