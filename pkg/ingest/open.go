package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"

	"github.com/payops/analyze/pkg/record"
)

// Input is one file to read; Path "-" is standard input.
type Input struct {
	Path string
}

// supported reports whether a directory entry is an export we read.
func supported(name string) bool {
	n := strings.ToLower(name)
	for _, ext := range []string{".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz", ".parquet", ".pq"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}

// Expand turns command-line arguments (files, directories, globs, "-")
// into the sorted list of inputs. An argument that matches nothing is a
// KindNoInput error. A file named twice is read once.
func Expand(args []string) ([]Input, error) {
	var out []Input
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, Input{Path: p})
		}
	}
	for _, a := range args {
		if a == "-" {
			add("-")
			continue
		}
		if st, err := os.Stat(a); err == nil {
			if !st.IsDir() {
				add(a)
				continue
			}
			entries, err := os.ReadDir(a)
			if err != nil {
				return nil, &record.Error{Kind: record.KindIO, File: a, Err: err}
			}
			var names []string
			for _, e := range entries {
				if !e.IsDir() && supported(e.Name()) && !strings.HasPrefix(e.Name(), ".") {
					names = append(names, filepath.Join(a, e.Name()))
				}
			}
			sort.Strings(names)
			if len(names) == 0 {
				return nil, &record.Error{Kind: record.KindNoInput, File: a, Err: errors.New("directory holds no .csv, .csv.gz or .parquet file")}
			}
			for _, n := range names {
				add(n)
			}
			continue
		}
		matches, err := filepath.Glob(a)
		if err != nil {
			return nil, &record.Error{Kind: record.KindUsage, File: a, Err: fmt.Errorf("bad pattern: %v", err)}
		}
		var files []string
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && !st.IsDir() {
				files = append(files, m)
			}
		}
		if len(files) == 0 {
			return nil, &record.Error{Kind: record.KindNoInput, File: a, Err: errors.New("no such file, directory or matching pattern")}
		}
		sort.Strings(files)
		for _, m := range files {
			add(m)
		}
	}
	if len(out) == 0 {
		return nil, &record.Error{Kind: record.KindNoInput, Err: errors.New("no input given")}
	}
	return out, nil
}

// Part is a stretch of one input that any goroutine can decode on its own:
// a run of whole CSV records or a Parquet row group.
type Part interface {
	// Decode returns the part's rows as batches, in input order. An error
	// is a file fault (the file cannot be read further); row faults are in
	// the batches' Rejects.
	Decode() ([]*record.Batch, error)
}

// partSource yields a file's parts in order.
type partSource interface {
	next() (Part, error)
	close() error
}

// fileCtx is what every part of one file shares. It is read-only once the
// file is open.
type fileCtx struct {
	path       string
	index      int
	opts       *Options
	mapping    *Mapping
	present    [numCols]bool
	cols       []fieldCol     // the input columns to decode, in field order
	textFields []record.Field // the batch's text columns
	panCol     int            // the card-number column, or -1
	filled     []record.Field // fields only a master file fills: reset before each row
	enc        string         // utf-8, gb18030 or gbk: how fields are stored in the parts
	transcoded bool           // the stream was decoded to UTF-8 up front; U+FFFD marks bad bytes
	parquet    bool
	size       int64 // the file's size when it is a regular, uncompressed file; else 0
	rowsHint   int64 // File.RowsHint
}

// header names the input column that holds f, for error messages.
func (fc *fileCtx) header(f record.Field) string {
	if fc.mapping != nil && fc.mapping.Index[f] >= 0 && fc.mapping.Index[f] < len(fc.mapping.Headers) {
		return fc.mapping.Headers[fc.mapping.Index[f]]
	}
	return f.String()
}

// fieldCol ties a field to the input column that holds it.
type fieldCol struct {
	field record.Field
	col   int
}

func (fc *fileCtx) setPresent() {
	for f := range fc.present {
		fc.present[f] = fc.mapping.Index[f] >= 0 && fc.opts.wants(record.Field(f))
	}
	if fc.opts.Terminals != nil {
		fc.present[record.TerminalModel] = true
		fc.present[record.TerminalFirmware] = true
	}
	if fc.opts.Merchants != nil {
		fc.present[record.MerchantName] = true
		fc.present[record.MCC] = true
		fc.present[record.Region] = true
	}
	fc.panCol = fc.mapping.Index[record.PAN]
	for f := record.Field(0); f < numCols; f++ {
		if fc.present[f] && fc.mapping.Index[f] >= 0 {
			fc.cols = append(fc.cols, fieldCol{f, fc.mapping.Index[f]})
		}
		if f < record.NumFields && fc.present[f] && isText(f) {
			fc.textFields = append(fc.textFields, f)
			if fc.mapping.Index[f] < 0 {
				fc.filled = append(fc.filled, f)
			}
		}
	}
}

// display renders a rejected record for rejects.csv: decoded, one line,
// at most 2 KiB. raw is nil for Parquet, where the row's values are joined.
func (fc *fileCtx) display(raw []byte, r *rawRow) string {
	var s string
	if raw == nil {
		var parts []string
		for f := record.Field(0); f < numCols; f++ {
			if fc.present[f] {
				v := r.val[f]
				if f == record.PAN {
					v = record.MaskPAN(v)
				}
				parts = append(parts, v)
			}
		}
		s = strings.Join(parts, string(fc.opts.delim()))
	} else {
		raw = bytes.TrimRight(raw, "\r\n")
		if fc.enc != EncUTF8 && !isASCII(raw) {
			if d, err := gbEncoding(fc.enc).NewDecoder().Bytes(raw); err == nil {
				raw = d
			}
		}
		s = string(raw)
		// The card-number column is masked whatever it holds; MaskPANs
		// (applied by the caller) catches card numbers elsewhere.
		if pan := strings.TrimSpace(r.val[record.PAN]); len(pan) >= 4 {
			s = strings.ReplaceAll(s, pan, record.MaskPAN(pan))
		}
	}
	if len(s) > 2048 {
		cut := 2048
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// hashingReader counts and hashes the bytes of a file as they are read, so
// provenance costs no second pass.
type hashingReader struct {
	r     io.Reader
	h     hash.Hash
	n     int64
	total *atomic.Int64 // Options.ReadBytes, or nil
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.h.Write(p[:n])
		h.n += int64(n)
		if h.total != nil {
			h.total.Add(int64(n))
		}
	}
	return n, err
}

// File is one open input.
type File struct {
	Path     string
	Index    int
	Format   string // csv, csv.gz or parquet
	Encoding string // the encoding used for CSV
	Mapping  *Mapping

	fc     *fileCtx
	src    partSource
	closer io.Closer
	hr     *hashingReader
	size   int64
	sum    string
	done   bool
}

// Open opens an input, detects its format and encoding and maps its header.
// Errors are *record.Error values naming the file.
func Open(in Input, index int, opts *Options) (*File, error) {
	f := &File{Path: in.Path, Index: index}
	var rc io.ReadCloser
	var size int64
	if in.Path == "-" {
		var r io.Reader = os.Stdin
		if opts.Stdin != nil {
			r = opts.Stdin
		}
		rc = io.NopCloser(r)
	} else {
		osf, err := os.Open(in.Path)
		if err != nil {
			return nil, &record.Error{Kind: record.KindIO, File: in.Path, Err: unwrapPath(err)}
		}
		if st, err := osf.Stat(); err == nil {
			if st.IsDir() {
				osf.Close()
				return nil, &record.Error{Kind: record.KindIO, File: in.Path, Err: errors.New("is a directory")}
			}
			if st.Mode().IsRegular() {
				size = st.Size()
			}
		}
		rc = osf
	}
	f.closer = rc
	f.hr = &hashingReader{r: rc, h: sha256.New(), total: opts.ReadBytes}
	br := bufio.NewReaderSize(f.hr, 64<<10)
	magic, _ := br.Peek(4)
	fc := &fileCtx{path: in.Path, index: index, opts: opts}
	f.fc = fc
	if !bytes.HasPrefix(magic, []byte{0x1f, 0x8b}) {
		fc.size = size
	}
	var err error
	switch {
	case bytes.HasPrefix(magic, []byte("PAR1")), bytes.HasPrefix(magic, []byte("PARE")): // PARE: encrypted footer
		f.Format = "parquet"
		fc.parquet = true
		f.src, err = openParquet(fc, br, rc, f.hr)
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		f.Format = "csv.gz"
		var zr *gzip.Reader
		zr, err = gzip.NewReader(br)
		if err != nil {
			err = &record.Error{Kind: record.KindFormat, File: in.Path, Err: fmt.Errorf("bad gzip header: %v", err)}
			break
		}
		f.src, err = openCSV(fc, &gzipErrReader{r: zr, file: in.Path, raw: f.hr})
	default:
		if strings.HasSuffix(strings.ToLower(in.Path), ".parquet") {
			err = &record.Error{Kind: record.KindFormat, File: in.Path, Err: errors.New("not a Parquet file: the PAR1 magic bytes are missing")}
			break
		}
		f.Format = "csv"
		f.src, err = openCSV(fc, br)
	}
	if err != nil {
		rc.Close()
		return nil, err
	}
	f.Encoding = fc.enc
	f.Mapping = fc.mapping
	return f, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot %s: %v", pe.Op, pe.Err)
	}
	return err
}

// gzipErrReader turns gzip and flate errors into file faults with the
// compressed offset.
type gzipErrReader struct {
	r    io.Reader
	file string
	raw  *hashingReader
}

func (g *gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		msg := err.Error()
		if errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "truncated gzip stream: the file ends inside compressed data"
		} else {
			msg = "corrupt gzip stream: " + msg
		}
		err = &record.Error{Kind: record.KindFormat, File: g.file, Offset: g.raw.n, HasOffset: true, Err: errors.New(msg)}
	}
	return n, err
}

// Next returns the next part in input order, or io.EOF.
func (f *File) Next() (Part, error) {
	p, err := f.src.next()
	if err == io.EOF && !f.done {
		f.done = true
		// hash what the decoder left unread, such as padding after the last gzip member
		io.Copy(io.Discard, f.hr)
		f.size = f.hr.n
		f.sum = hex.EncodeToString(f.hr.h.Sum(nil))
	}
	return p, err
}

// Batches decodes the file's parts one after another on the calling
// goroutine and yields their batches in input order, then stops at the end
// or at the first file fault (yielded as the error). It is for tools that
// do not need the parallel pipeline: inspect, tests, benchmarks.
func (f *File) Batches() iter.Seq2[*record.Batch, error] {
	return func(yield func(*record.Batch, error) bool) {
		for {
			p, err := f.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
			bs, err := p.Decode()
			if err != nil {
				yield(nil, err)
				return
			}
			for _, b := range bs {
				if !yield(b, nil) {
					return
				}
			}
		}
	}
}

// RowsHint estimates the rows the file holds, for sizing what grows with
// them: a Parquet file's row count, or a CSV file's size over the length
// of the records in its first megabyte. It is 0 when there is no telling
// (stdin, gzip).
func (f *File) RowsHint() int64 { return f.fc.rowsHint }

// Size is the file's size in bytes, known after Next returned io.EOF.
func (f *File) Size() int64 { return f.size }

// SHA256 is the hex SHA-256 of the file's bytes, known after Next returned io.EOF.
func (f *File) SHA256() string { return f.sum }

// Close releases the file.
func (f *File) Close() error {
	if f.src != nil {
		f.src.close()
	}
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}
