package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/payops/analyze/pkg/record"
)

// RawOptions say how RawReader splits records.
type RawOptions struct {
	Delimiter     byte   // 0 means ','
	Encoding      string // auto (""), utf-8, gb18030 or gbk
	LenientQuotes bool
}

// RawReader reads CSV records as plain strings, with the same scanner,
// encoding detection and error positions as the pipeline, but without
// header mapping: the first record is returned like any other. It serves
// master files, `analyze inspect` and the conformance tests.
type RawReader struct {
	fc   *fileCtx
	ch   *chunker
	sc   *csvScanner
	data []byte
	pos  int
	line int64
	off  int64
}

// NewRawReader sniffs the encoding of r (when opts.Encoding is auto) and
// returns a reader positioned at the first record. name is used in errors.
func NewRawReader(name string, r io.Reader, opts RawOptions) (*RawReader, error) {
	o := &Options{Delimiter: opts.Delimiter, Encoding: opts.Encoding, LenientQuotes: opts.LenientQuotes}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	fc := &fileCtx{path: name, opts: o}
	ch := &chunker{r: r, file: name, size: o.chunkBytes(), line: 1,
		scan: &csvScanner{delim: o.delim(), lenient: true}, lenient: o.LenientQuotes}
	if err := ch.fill(1 << 20); err != nil {
		return nil, err
	}
	if bytes.HasPrefix(ch.pending, []byte("\xEF\xBB\xBF")) {
		ch.pending = ch.pending[3:]
		ch.off = 3
	}
	enc := o.Encoding
	if enc == "" || enc == EncAuto {
		var err error
		if enc, err = sniffEncoding(name, ch.pending, ch.eof); err != nil {
			return nil, err
		}
	}
	fc.enc = enc
	if enc != EncUTF8 && o.delim() >= 0x40 {
		return nil, &record.Error{Kind: record.KindUsage, File: name, Err: errors.New("a GBK file with this delimiter needs the full reader")}
	}
	return &RawReader{fc: fc, ch: ch, sc: &csvScanner{delim: o.delim(), lenient: o.LenientQuotes}}, nil
}

// Encoding is the encoding in use (detected or given).
func (r *RawReader) Encoding() string { return r.fc.enc }

// Read returns the next record and the line it starts on, or io.EOF.
// Errors are *record.Error values with the file, line and byte offset.
func (r *RawReader) Read() ([]string, int64, error) {
	for {
		if r.pos >= len(r.data) {
			data, line, _, off, err := r.ch.next()
			if err != nil {
				return nil, 0, err
			}
			r.data, r.pos, r.line, r.off = data, 0, line, off
		}
		next, nl, blank, serr := r.sc.scan(r.data, r.pos)
		if serr != nil {
			return nil, 0, r.fc.scanFault(serr, r.line, r.off)
		}
		line := r.line
		r.line += int64(nl)
		r.pos = next
		if blank {
			continue
		}
		out := make([]string, len(r.sc.fields))
		for i, f := range r.sc.fields {
			d, ok := r.fc.decodeText(f)
			if !ok {
				return nil, 0, &record.Error{Kind: record.KindEncoding, File: r.fc.path, Line: line,
					Offset: r.off + int64(r.sc.starts[i]), HasOffset: true,
					Err: fmt.Errorf("bytes that are not valid %s (try --encoding %s)", r.fc.enc, otherEncoding(r.fc.enc))}
			}
			out[i] = string(d)
		}
		return out, line, nil
	}
}
