package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"

	"github.com/payops/analyze/pkg/record"
)

// maxRecordBytes bounds one CSV record, so an unterminated quote fails
// the file instead of reading it all into memory.
const maxRecordBytes = 256 << 20

// chunker cuts a CSV stream into runs of whole records. It runs on the
// file's reader goroutine and only looks for line breaks and quotes; the
// fields are split later, in parallel, by csvPart.Decode.
type chunker struct {
	r       io.Reader
	file    string
	size    int // target chunk size
	pending []byte
	cur     *chunkBuf // the buffer pending lives in
	eof     bool
	line    int64 // line number of pending's first byte
	off     int64 // offset of pending's first byte in the decoded stream
	scan    *csvScanner
	lenient bool
}

// chunkBuf is a reference-counted read buffer: the chunker holds one
// reference while it reads into it, and each part cut from it holds one
// until its batch is released, after aggregation. Recycling the buffers
// spares the page faults of a fresh megabyte per part (a quarter of the
// CPU time on a 1 GB file).
type chunkBuf struct {
	b    []byte
	refs atomic.Int32
}

const pooledBufSize = 2<<20 + 64<<10

var chunkPool = sync.Pool{New: func() any { return &chunkBuf{b: make([]byte, pooledBufSize)} }}

// ScribbleReleased makes released buffers fill with 0xFF before reuse, so
// tests catch any string still pointing into one. Tests only.
var ScribbleReleased bool

func (cb *chunkBuf) release() {
	if cb.refs.Add(-1) != 0 {
		return
	}
	if cap(cb.b) != pooledBufSize {
		return // an oversized buffer for a long record: let the GC have it
	}
	if ScribbleReleased {
		b := cb.b[:cap(cb.b)]
		for i := range b {
			b[i] = 0xFF
		}
	}
	chunkPool.Put(cb)
}

func newChunkBuf(capacity int) *chunkBuf {
	var cb *chunkBuf
	if capacity <= pooledBufSize {
		cb = chunkPool.Get().(*chunkBuf)
	} else {
		cb = &chunkBuf{b: make([]byte, capacity)}
	}
	cb.refs.Store(1)
	return cb
}

// fill reads until pending holds at least n bytes or the input ends.
func (c *chunker) fill(n int) error {
	if len(c.pending) >= n || c.eof {
		return nil
	}
	nb := newChunkBuf(max(n, 2*len(c.pending)) + utf8.UTFMax)
	buf := nb.b[:len(c.pending)]
	copy(buf, c.pending)
	if c.cur != nil {
		c.cur.release()
	}
	c.cur = nb
	for len(buf) < n && !c.eof {
		m, err := c.r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			c.eof = true
		} else if err != nil {
			c.pending = buf
			var re *record.Error
			if errors.As(err, &re) {
				return err
			}
			return &record.Error{Kind: record.KindIO, File: c.file, Offset: c.off + int64(len(buf)), HasOffset: true, Err: fmt.Errorf("read: %v", err)}
		}
	}
	c.pending = buf
	return nil
}

// next returns the next chunk of whole records with its first line, its
// line breaks and its offset, or io.EOF.
func (c *chunker) next() (data []byte, line, breaks, off int64, err error) {
	want := c.size
	for {
		if err := c.fill(want); err != nil {
			return nil, 0, 0, 0, err
		}
		if len(c.pending) == 0 && c.eof {
			return nil, 0, 0, 0, io.EOF
		}
		cut := -1
		if c.eof {
			cut = len(c.pending)
		} else if c.lenient {
			cut = c.scan.lastBoundaryLenient(c.pending)
		} else {
			cut = lastBoundary(c.pending)
		}
		if cut > 0 {
			c.cur.refs.Add(1) // the part's reference, dropped by the caller's release
			data = c.pending[:cut:cut]
			line, off = c.line, c.off
			c.pending = c.pending[cut:]
			breaks = int64(bytes.Count(data, nlByte))
			c.line += breaks
			c.off += int64(cut)
			return data, line, breaks, off, nil
		}
		if len(c.pending) >= maxRecordBytes {
			return nil, 0, 0, 0, &record.Error{Kind: record.KindFormat, File: c.file, Line: c.line, Offset: c.off, HasOffset: true,
				Err: fmt.Errorf("a record is longer than %d MiB: probably an unterminated quoted field", maxRecordBytes>>20)}
		}
		want = 2 * len(c.pending)
	}
}

// csvSource yields the parts of one CSV file.
type csvSource struct {
	fc  *fileCtx
	ch  *chunker
	seq int
}

// openCSV sniffs the encoding, reads the header and maps it.
func openCSV(fc *fileCtx, r io.Reader) (partSource, error) {
	opts := fc.opts
	ch := &chunker{r: r, file: fc.path, size: opts.chunkBytes(), line: 1,
		scan: &csvScanner{delim: opts.delim(), lenient: true}, lenient: opts.LenientQuotes}
	if err := ch.fill(1 << 20); err != nil {
		return nil, err
	}
	if len(ch.pending) == 0 {
		return nil, &record.Error{Kind: record.KindFormat, File: fc.path, Err: errors.New("empty file (0 bytes): expected a header row")}
	}
	if bytes.HasPrefix(ch.pending, []byte("\xEF\xBB\xBF")) {
		ch.pending = ch.pending[3:]
		ch.off = 3
	}
	if bytes.HasPrefix(ch.pending, []byte{0xFF, 0xFE}) || bytes.HasPrefix(ch.pending, []byte{0xFE, 0xFF}) {
		_, err := sniffEncoding(fc.path, ch.pending, ch.eof) // names UTF-16
		return nil, err
	}
	if looksBinary(ch.pending) {
		return nil, &record.Error{Kind: record.KindFormat, File: fc.path, Err: errors.New("not a CSV or Parquet file: the content is binary")}
	}
	enc := opts.Encoding
	if enc == "" || enc == EncAuto {
		var err error
		if enc, err = sniffEncoding(fc.path, ch.pending, ch.eof); err != nil {
			return nil, err
		}
	}
	fc.enc = enc
	delim := opts.delim()
	if enc != EncUTF8 && delim >= 0x40 {
		// The delimiter can be the second byte of a GBK character, so
		// records cannot be split on raw bytes: decode the stream first.
		tr := transform.NewReader(io.MultiReader(bytes.NewReader(ch.pending), r), gbEncoding(enc).NewDecoder())
		// the old buffer lives on inside the MultiReader: drop it, never recycle it
		ch.r, ch.pending, ch.eof, ch.cur = tr, nil, false, nil
		if err := ch.fill(1 << 20); err != nil {
			return nil, err
		}
		fc.enc, fc.transcoded = EncUTF8, true
	}

	// The header is the first non-blank record.
	sc := &csvScanner{delim: delim, lenient: opts.LenientQuotes}
	pos := 0
	for {
		if pos >= len(ch.pending) {
			return nil, &record.Error{Kind: record.KindFormat, File: fc.path, Err: errors.New("no header row: the file holds only blank lines")}
		}
		next, nl, blank, serr := sc.scan(ch.pending, pos)
		if serr != nil {
			return nil, fc.scanFault(serr, ch.line, ch.off)
		}
		if next == len(ch.pending) && !ch.eof && ch.pending[next-1] != '\n' {
			return nil, &record.Error{Kind: record.KindFormat, File: fc.path, Line: ch.line, Err: errors.New("header row longer than 1 MiB")}
		}
		if blank {
			ch.line += int64(nl)
			pos = next
			continue
		}
		headers := make([]string, len(sc.fields))
		for i, f := range sc.fields {
			h, ok := fc.decodeText(f)
			if !ok {
				return nil, &record.Error{Kind: record.KindEncoding, File: fc.path, Line: ch.line, Offset: ch.off + int64(sc.starts[i]), HasOffset: true,
					Err: fmt.Errorf("header is not valid %s text: pass --encoding", fc.enc)}
			}
			headers[i] = string(h)
		}
		m, err := MapHeader(fc.path, headers, opts.Columns, opts.requiredFields())
		if err != nil {
			return nil, err
		}
		fc.mapping = m
		ch.line += int64(nl)
		ch.off += int64(next)
		ch.pending = ch.pending[next:]
		break
	}
	if fc.size > 0 && !fc.transcoded && len(ch.pending) > 0 {
		// the header is behind: the rest of the file is like this sample
		recs := max(int64(bytes.Count(ch.pending, nlByte)), 1)
		fc.rowsHint = recs * (fc.size - ch.off) / int64(len(ch.pending))
	}
	fc.setPresent()
	return &csvSource{fc: fc, ch: ch}, nil
}

// looksBinary reports content that is no text export: a known binary
// magic or many control bytes.
func looksBinary(b []byte) bool {
	for _, m := range [][]byte{{0x89, 'P', 'N', 'G'}, {'P', 'K', 3, 4}, {0x7f, 'E', 'L', 'F'}, []byte("%PDF"), {0xFF, 0xD8, 0xFF}} {
		if bytes.HasPrefix(b, m) {
			return true
		}
	}
	if len(b) > 4096 {
		b = b[:4096]
	}
	ctl := 0
	for _, c := range b {
		if c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1B) {
			ctl++
		}
	}
	return ctl*10 > len(b)
}

func (s *csvSource) next() (Part, error) {
	data, line, breaks, off, err := s.ch.next()
	if err != nil {
		return nil, err
	}
	p := &csvPart{fc: s.fc, data: data, buf: s.ch.cur, line: line, rows: int(breaks) + 1, off: off, seq: s.seq}
	s.seq++
	return p, nil
}

func (s *csvSource) close() error {
	if s.ch.cur != nil {
		s.ch.cur.release()
		s.ch.cur = nil
	}
	return nil
}

// csvPart is a run of whole records.
type csvPart struct {
	fc   *fileCtx
	data []byte
	buf  *chunkBuf // data's buffer, released with the batch
	line int64     // line of data[0]
	rows int       // at most this many records: the line breaks in data, plus one
	off  int64     // offset of data[0] in the decoded stream
	seq  int
}

func (fc *fileCtx) scanFault(serr *scanError, line, off int64) error {
	return &record.Error{Kind: record.KindFormat, File: fc.path, Line: line + int64(serr.lines),
		Offset: off + int64(serr.off), HasOffset: true, Err: serr.err}
}

// decodeText checks or decodes one field into UTF-8. ok is false when the
// bytes are not valid in the file's encoding.
func (fc *fileCtx) decodeText(b []byte) ([]byte, bool) {
	if isASCII(b) {
		return b, true
	}
	if fc.enc == EncUTF8 {
		if fc.transcoded {
			return b, !bytes.ContainsRune(b, utf8.RuneError)
		}
		return b, utf8.Valid(b)
	}
	d, err := gbEncoding(fc.enc).NewDecoder().Bytes(b)
	if err != nil || bytes.ContainsRune(d, utf8.RuneError) {
		return nil, false
	}
	return d, true
}

// Decode splits the part's records into fields and builds one batch.
func (p *csvPart) Decode() ([]*record.Batch, error) {
	fc := p.fc
	sc := &csvScanner{delim: fc.opts.delim(), lenient: fc.opts.LenientQuotes}
	rb := newRowBuilder(fc)
	b := rb.start(p.seq, p.rows)
	var dec *encoding.Decoder
	var decoded *textMemo // raw GBK field → its UTF-8 text
	if fc.enc != EncUTF8 {
		dec = gbEncoding(fc.enc).NewDecoder()
		decoded = getTextMemo(fc.enc)
		defer memoPool.Put(decoded)
	}
	masks := maskPool.Get().(*[]uint64)
	defer maskPool.Put(masks)
	n := maskWordsFor(len(p.data))
	if cap(*masks) < n {
		*masks = make([]uint64, n)
	}
	m := (*masks)[:n]
	// One check of the whole chunk, in the pass that makes the masks,
	// spares the per-field checks in the common case of clean UTF-8.
	valid := csvMasks(p.data, sc.delim, m)
	clean := dec == nil && valid && !(fc.transcoded && bytes.ContainsRune(p.data, utf8.RuneError))
	ncol := len(fc.mapping.Headers)
	var row rawRow
	data, line := p.data, p.line
	for pos := 0; pos < len(data); {
		next, nl, blank, serr := sc.scanMasked(data, pos, m)
		if serr != nil {
			p.buf.release() // nothing of the chunk is kept
			return nil, fc.scanFault(serr, line, p.off)
		}
		raw := data[pos:next]
		row.line = line
		line += int64(nl)
		pos = next
		if blank {
			continue
		}
		row.val[record.PAN] = ""
		if sc.count() != ncol {
			if fc.panCol >= 0 && fc.panCol < sc.count() {
				row.val[record.PAN] = bytesToString(sc.field(data, fc.panCol))
			}
			rb.reject(&row, "", fmt.Errorf("wrong number of fields: expected %d as in the header, got %d", ncol, sc.count()), raw)
			continue
		}
		if fc.panCol >= 0 {
			row.val[record.PAN] = bytesToString(sc.field(data, fc.panCol)) // for masking a reject's raw text
		}
		ok := true
		for _, fcol := range fc.cols {
			f, c := fcol.field, fcol.col
			v := sc.field(data, c)
			if !clean && !isASCII(v) {
				var good bool
				if dec != nil {
					// Decoding is the slow part of a GBK file, and the same
					// few texts (channels, methods, names) repeat: decode
					// each distinct one once (textmemo.go).
					if d, hit := decoded.get(int(f), v); hit {
						row.val[f] = d
						continue
					}
					d, err := dec.Bytes(v)
					good = err == nil && !bytes.ContainsRune(d, utf8.RuneError)
					if good {
						decoded.put(v, bytesToString(d))
					}
					v = d
				} else {
					good = utf8.Valid(v) && !(fc.transcoded && bytes.ContainsRune(v, utf8.RuneError))
				}
				if !good {
					at := p.off + int64(sc.start(c))
					if fc.enc == EncUTF8 && !fc.transcoded {
						at += int64(max(firstInvalidUTF8(v), 0))
					}
					e := &record.Error{Kind: record.KindRow, File: fc.path, Line: row.line, Column: fc.mapping.Headers[c],
						Offset: at, HasOffset: true, Raw: record.MaskPANs(fc.display(raw, &row)),
						Err: fmt.Errorf("bytes that are not valid %s: the file may be in another encoding (try --encoding %s)", fc.enc, otherEncoding(fc.enc))}
					b.Rejects = append(b.Rejects, e)
					b.Read++
					ok = false
					break
				}
			}
			row.val[f] = bytesToString(v)
		}
		if ok {
			rb.add(&row, raw)
		}
	}
	recycle := b.Release
	b.Release = func() { p.buf.release(); recycle() }
	return []*record.Batch{b}, nil
}

// maskPool holds the mask buffers of csvPart.Decode: 3/64 of a part.
var maskPool = sync.Pool{New: func() any { return new([]uint64) }}

func otherEncoding(enc string) string {
	if enc == EncUTF8 {
		return EncGB18030
	}
	return EncUTF8
}

// bytesToString makes a string that shares b's memory. The chunk a part
// decodes is never written again, so the strings stay valid as long as the
// batch is referenced.
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
