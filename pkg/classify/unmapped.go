package classify

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/payops/analyze/pkg/record"
)

// Unmapped collects the purchases that no rule classified (record.Unknown),
// keyed by namespace, code, sub-code and message, so that ops can extend
// the rules where it matters most. Messages are normalized before keying:
// runs of digits become "#" (order numbers would otherwise make every
// row a key), spaces are collapsed, and the text is cut to MaxMessageRunes.
// One per goroutine; Merge the per-worker collectors at the end.
type Unmapped struct {
	rows    map[unmappedKey]*UnmappedRow
	limit   int
	Dropped int64 // rows not counted because the collector was full
	buf     []byte
}

type unmappedKey struct {
	ns                 record.Namespace
	code, subcode, msg string
}

// UnmappedRow is one (namespace, code, sub-code, message) with its count
// and the first row that had it (smallest input index, then line).
type UnmappedRow struct {
	Namespace record.Namespace
	Code      string // resp_code
	Subcode   string // resp_subcode, "" when none
	Message   string // normalized resp_msg
	Count     int64
	File      string // the example row: input as named, line
	Line      int64
	fileIndex int
}

// MaxUnmappedKeys bounds a collector. Past it, rows of a new code keep
// counting under the code with an empty message, and rows of a new code
// beyond twice the bound are only counted in Dropped.
const MaxUnmappedKeys = 10000

// MaxMessageRunes is the length messages are cut to.
const MaxMessageRunes = 120

// NewUnmapped returns an empty collector.
func NewUnmapped() *Unmapped {
	return &Unmapped{rows: make(map[unmappedKey]*UnmappedRow), limit: MaxUnmappedKeys}
}

// Add counts b's unknown purchases. It must run after classification
// (b.Outcome set); rows marked as duplicates (b.Dup) and non-purchases
// are not counted, as they are not attempts.
func (u *Unmapped) Add(b *record.Batch) {
	if len(b.Outcome) < b.Len {
		return
	}
	get := func(f record.Field, i int) string {
		if c := b.Text[f]; i < len(c) {
			return c[i]
		}
		return ""
	}
	for i := 0; i < b.Len; i++ {
		if b.Outcome[i] != record.Unknown {
			continue
		}
		if i < len(b.Kind) && b.Kind[i] != record.Purchase || i < len(b.Dup) && b.Dup[i] {
			continue
		}
		var ns record.Namespace
		if i < len(b.NS) {
			ns = b.NS[i]
		}
		var line int64
		if i < len(b.Line) {
			line = b.Line[i]
		}
		u.add(ns, get(record.RespCode, i), get(record.RespSubcode, i), get(record.RespMsg, i), 1, b.Source, b.FileIndex, line)
	}
}

func (u *Unmapped) add(ns record.Namespace, code, sub, msg string, n int64, file string, fileIndex int, line int64) {
	u.buf = normalizeMessage(u.buf[:0], msg)
	k := unmappedKey{ns, code, sub, string(u.buf)}
	r, ok := u.rows[k]
	if !ok && len(u.rows) >= u.limit {
		k.msg = ""
		if r, ok = u.rows[k]; !ok && len(u.rows) >= 2*u.limit {
			u.Dropped += n
			return
		}
	}
	if !ok {
		k.code, k.subcode = strings.Clone(k.code), strings.Clone(k.subcode)
		r = &UnmappedRow{Namespace: ns, Code: k.code, Subcode: k.subcode, Message: k.msg, File: file, Line: line, fileIndex: fileIndex}
		u.rows[k] = r
	} else if fileIndex < r.fileIndex || fileIndex == r.fileIndex && line < r.Line {
		r.File, r.Line, r.fileIndex = file, line, fileIndex
	}
	r.Count += n
}

// Merge adds o's counts into u.
func (u *Unmapped) Merge(o *Unmapped) {
	for _, r := range o.rows {
		u.add(r.Namespace, r.Code, r.Subcode, r.Message, r.Count, r.File, r.fileIndex, r.Line)
	}
	u.Dropped += o.Dropped
}

// Rows returns the collected rows, by count descending, then namespace,
// code, sub-code and message: the same for any split of the input over
// workers.
func (u *Unmapped) Rows() []UnmappedRow {
	out := make([]UnmappedRow, 0, len(u.rows))
	for _, r := range u.rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Count != b.Count:
			return a.Count > b.Count
		case a.Namespace != b.Namespace:
			return a.Namespace.String() < b.Namespace.String()
		case a.Code != b.Code:
			return a.Code < b.Code
		case a.Subcode != b.Subcode:
			return a.Subcode < b.Subcode
		}
		return a.Message < b.Message
	})
	return out
}

// normalizeMessage appends msg to dst with digit runs as "#", spaces
// collapsed and trimmed, cut to MaxMessageRunes runes.
func normalizeMessage(dst []byte, msg string) []byte {
	runes := 0
	space := false
	for i := 0; i < len(msg) && runes < MaxMessageRunes; {
		c := msg[i]
		switch {
		case c >= '0' && c <= '9':
			for i < len(msg) && msg[i] >= '0' && msg[i] <= '9' {
				i++
			}
			if space && len(dst) > 0 {
				dst = append(dst, ' ')
				runes++
			}
			space = false
			dst = append(dst, '#')
			runes++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			space = true
			i++
			continue
		}
		if space && len(dst) > 0 {
			dst = append(dst, ' ')
			runes++
		}
		space = false
		_, n := utf8.DecodeRuneInString(msg[i:])
		dst = append(dst, msg[i:i+n]...)
		i += n
		runes++
	}
	return dst
}
