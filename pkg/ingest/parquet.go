package ingest

// Parquet input.
//
// Parquet keeps its schema and row-group index in a footer at the end of
// the file, so it cannot be decoded as a stream. openParquet reads the whole
// input once through the hashing reader (so Size and SHA256 cover every
// byte), then reads it again at random through its own handle on the file:
// a second descriptor of the same regular file, or a spooled temporary copy
// when the input is a pipe or standard input.
//
// The reader is arrow-go's low-level one (parquet/file): each Part is one
// row group, and its Decode opens its own column chunk readers for the
// mapped columns only, so parts of one file decode concurrently without
// sharing reader state. The low-level reader is used rather than pqarrow
// because it hands out INT96 values pqarrow refuses (Spark timestamps out of
// the nanosecond range), decimals of every physical layout as raw bytes, and
// byte arrays cloned into one buffer per page run, which the batch's
// strings share instead of allocating one string per row.
//
// The file's handle is reference counted: the pipeline closes a File as
// soon as its last Part is handed out, while workers may still be decoding
// earlier parts, so the handle (and the spooled copy) go away only when the
// File is closed and every Part has been decoded or dropped.
//
// Types, per canonical field (a null is an empty value, as in CSV):
//   - text fields: STRING/ENUM/JSON and unannotated BYTE_ARRAY or
//     FIXED_LEN_BYTE_ARRAY as UTF-8 text (a value that is not valid UTF-8
//     rejects the row); integers, decimals, floats, booleans, dates and
//     times as their decimal or ISO text.
//   - txn_time: TIMESTAMP in any unit (an instant when UTC-adjusted, a wall
//     time in Options.TZ when not), INT96 (Spark/Impala legacy, taken as
//     UTC; see pqInt96Time), DATE (midnight in Options.TZ), or text parsed
//     like CSV text (an integer column as its digits, so 20261121143005
//     works); a TIME column only together with a date column. A typed time
//     outside the years 1-9999 is handed to the text parser as text, which
//     rejects the row.
//   - amount: DECIMAL of any physical layout, converted exactly into the
//     currency's minor units (a value with more non-zero decimals than the
//     currency has is rejected, as the text parser rejects it); INT32/INT64
//     in yuan, or in fen with --amount-unit fen (there, a DECIMAL must be
//     integral); FLOAT/DOUBLE through their shortest decimal representation
//     (strconv 'f', -1), which the text parser then reads: a float amount
//     column is only as exact as that representation; or text.
//
// Nested columns (groups, lists, maps, repeated fields) among the mapped
// ones and encrypted files are refused (KindUnsupported). A panic inside
// arrow-go on a corrupt file becomes a KindFormat error naming the file.
//
// Two arrow-go v18.8.0 gaps are closed here, process-wide, by registering
// codecs: the SNAPPY codec accepts a 0-byte page body (a data page v2
// whose values are all null; arrow-go passed it to the Snappy decoder),
// and the deprecated LZ4 codec id, which arrow-go leaves unimplemented,
// reads Hadoop-framed LZ4 with a fallback to a raw LZ4 block, as Arrow C++
// does (and writes Hadoop framing). Encoding with SNAPPY is unchanged.

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/payops/analyze/pkg/record"
)

// ParquetNull stands for a null value in ReadParquetRaw's rows.
const ParquetNull = "\u2400" // ␀, SYMBOL FOR NULL

func init() {
	if c, err := compress.GetCodec(compress.Codecs.Snappy); err == nil {
		compress.RegisterCodec(compress.Codecs.Snappy, pqEmptyBodyCodec{c})
	}
	if _, err := compress.GetCodec(compress.Codecs.Lz4); err != nil {
		if raw, err := compress.GetCodec(compress.Codecs.Lz4Raw); err == nil {
			compress.RegisterCodec(compress.Codecs.Lz4, pqLegacyLZ4{raw})
		}
	}
}

// pqEmptyBodyCodec decodes a 0-byte body as an empty page instead of
// handing it to a decoder that calls it corrupt.
type pqEmptyBodyCodec struct{ compress.Codec }

func (c pqEmptyBodyCodec) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

func (c pqEmptyBodyCodec) DecodeWithError(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst[:0], nil
	}
	return compress.Decode(c.Codec, dst, src)
}

// pqLegacyLZ4 is the deprecated LZ4 codec id: parquet-mr wrote it with
// Hadoop framing (big-endian uncompressed and compressed sizes before each
// block), old parquet-cpp as one raw block.
type pqLegacyLZ4 struct{ raw compress.Codec }

func (c pqLegacyLZ4) Encode(dst, src []byte) []byte {
	block := c.raw.Encode(nil, src)
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(len(src)))
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(block)))
	return append(append(dst[:0], hdr[:]...), block...)
}

func (c pqLegacyLZ4) EncodeLevel(dst, src []byte, _ int) []byte { return c.Encode(dst, src) }

func (c pqLegacyLZ4) CompressBound(n int64) int64 { return c.raw.CompressBound(n) + 8 }

func (c pqLegacyLZ4) Decode(dst, src []byte) []byte {
	out, err := c.DecodeWithError(dst, src)
	if err != nil {
		panic(err)
	}
	return out
}

func (c pqLegacyLZ4) DecodeWithError(dst, src []byte) ([]byte, error) {
	if out, ok := c.hadoop(dst, src); ok {
		return out, nil
	}
	return compress.Decode(c.raw, dst, src)
}

func (c pqLegacyLZ4) hadoop(dst, src []byte) ([]byte, bool) {
	full := dst[:cap(dst)]
	off := 0
	if len(src) < 8 {
		return nil, false
	}
	for len(src) >= 8 {
		usize := int64(binary.BigEndian.Uint32(src[0:]))
		csize := int64(binary.BigEndian.Uint32(src[4:]))
		src = src[8:]
		if csize > int64(len(src)) || int64(off)+usize > int64(len(full)) {
			return nil, false
		}
		out := full[off : off+int(usize)]
		got, err := compress.Decode(c.raw, out, src[:csize])
		if err != nil || len(got) != int(usize) {
			return nil, false
		}
		copy(out, got)
		off += int(usize)
		src = src[csize:]
	}
	if len(src) != 0 {
		return nil, false
	}
	return full[:off], true
}

// pqHandle is a reference-counted handle on the file's bytes.
type pqHandle struct {
	c    io.Closer
	r    *io.SectionReader // ReadAt is safe for concurrent use; Seek is used once, at open
	tmp  string            // a spooled copy to remove on release ("" when none or already unlinked)
	refs atomic.Int64
}

func newPQHandle(f *os.File, tmp string, size int64) *pqHandle {
	h := &pqHandle{c: f, r: io.NewSectionReader(f, 0, size), tmp: tmp}
	h.refs.Store(1)
	return h
}

// acquire takes a reference unless the handle is already released.
func (h *pqHandle) acquire() bool {
	for {
		n := h.refs.Load()
		if n <= 0 {
			return false
		}
		if h.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (h *pqHandle) release() {
	if h.refs.Add(-1) == 0 {
		if h.c != nil {
			h.c.Close()
		}
		if h.tmp != "" {
			os.Remove(h.tmp)
		}
	}
}

// takeParquet reads br to its end, so the hash covers the file, and returns
// a handle to read the file at random: a second descriptor of the same
// regular file, or a spooled temporary copy.
func takeParquet(path string, br io.Reader, rc io.ReadCloser, hr *hashingReader) (*pqHandle, error) {
	if osf, ok := rc.(*os.File); ok {
		if st, err := osf.Stat(); err == nil && st.Mode().IsRegular() {
			if own, err := os.Open(osf.Name()); err == nil {
				if st2, err := own.Stat(); err == nil && os.SameFile(st, st2) {
					n, err := io.Copy(io.Discard, br)
					if err != nil {
						own.Close()
						return nil, &record.Error{Kind: record.KindIO, File: path, Err: fmt.Errorf("read: %v", err)}
					}
					if hr != nil {
						n = hr.n
					}
					return newPQHandle(own, "", n), nil
				}
				own.Close()
			}
		}
	}
	tmp, err := os.CreateTemp("", "analyze-*.parquet")
	if err != nil {
		return nil, &record.Error{Kind: record.KindIO, File: path, Err: fmt.Errorf("cannot spool the Parquet input to a temporary file: %v", err)}
	}
	name := tmp.Name()
	n, err := io.Copy(tmp, br)
	if err != nil {
		tmp.Close()
		os.Remove(name)
		return nil, &record.Error{Kind: record.KindIO, File: path, Err: fmt.Errorf("spooling the Parquet input to a temporary file: %v", err)}
	}
	// Unlink the copy now where the system allows it (the open descriptor
	// keeps it readable), so a crash leaves nothing behind.
	if os.Remove(name) == nil {
		name = ""
	}
	return newPQHandle(tmp, name, n), nil
}

// pqKind says how a column's values are turned into text or typed values;
// it is chosen once per column from the physical and logical type.
type pqKind uint8

const (
	pqBytes     pqKind = iota // BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY holding text (or unannotated bytes)
	pqHex                     // BSON, INTERVAL: shown as hex
	pqBool                    // BOOLEAN
	pqInt                     // INT32, INT64 (signed)
	pqUint                    // INT32, INT64 annotated unsigned
	pqFloat                   // FLOAT
	pqDouble                  // DOUBLE
	pqFloat16                 // FIXED_LEN_BYTE_ARRAY(2) FLOAT16
	pqUUID                    // FIXED_LEN_BYTE_ARRAY(16) UUID
	pqDecimal                 // DECIMAL on INT32, INT64, FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY
	pqDate                    // INT32 days
	pqTime                    // TIME: INT32 ms or INT64 us/ns
	pqTimestamp               // INT64 TIMESTAMP
	pqInt96                   // legacy INT96 timestamp
)

// pqCol describes one top-level column of the file.
type pqCol struct {
	name   string
	leaf   int    // leaf column index; -1 when the column is nested
	nested string // why the column cannot be read as a flat column; "" when it can
	bad    string // why its values cannot be read at all (corrupt type); "" when they can
	kind   pqKind
	phys   parquet.Type
	typ    string // the type, for messages
	unit   int64  // TIME and TIMESTAMP ticks per second
	frac   int    // digits of a tick: 3, 6 or 9
	utc    bool   // TIMESTAMP is UTC-adjusted (an instant)
	scale  int32  // DECIMAL scale
	maxDef int16
}

// pqColumns describes the top-level columns of a schema.
func pqColumns(sch *schema.Schema) []pqCol {
	root := sch.Root()
	cols := make([]pqCol, root.NumFields())
	for i := range cols {
		n := root.Field(i)
		c := &cols[i]
		c.name, c.leaf = n.Name(), -1
		if g, ok := n.(*schema.GroupNode); ok {
			switch n.LogicalType().(type) {
			case schema.ListLogicalType:
				c.nested = "a LIST"
			case schema.MapLogicalType:
				c.nested = "a MAP"
			default:
				c.nested = fmt.Sprintf("a group of %d fields (a struct)", g.NumFields())
			}
			if n.RepetitionType() == parquet.Repetitions.Repeated {
				c.nested = "a repeated group"
			}
			c.typ = "group"
			continue
		}
		if n.RepetitionType() == parquet.Repetitions.Repeated {
			c.nested = "a repeated field (a list without a LIST annotation)"
		}
		c.leaf = sch.ColumnIndexByNode(n)
		if c.leaf < 0 {
			c.bad = "no leaf column in the schema"
			continue
		}
		pqClassify(sch.Column(c.leaf), c)
	}
	return cols
}

func pqClassify(col *schema.Column, c *pqCol) {
	c.phys = col.PhysicalType()
	c.maxDef = col.MaxDefinitionLevel()
	lt := col.LogicalType()
	c.typ = c.phys.String()
	if lt != nil && lt.IsValid() && !lt.Equals(schema.NoLogicalType{}) {
		c.typ += " " + lt.String()
	}
	setUnit := func(u schema.TimeUnitType) bool {
		switch u {
		case schema.TimeUnitMillis:
			c.unit, c.frac = 1e3, 3
		case schema.TimeUnitMicros:
			c.unit, c.frac = 1e6, 6
		case schema.TimeUnitNanos:
			c.unit, c.frac = 1e9, 9
		default:
			c.bad = "unknown time unit"
			return false
		}
		return true
	}
	decimal := func() {
		d := lt.(schema.DecimalLogicalType)
		c.kind, c.scale = pqDecimal, d.Scale()
		if c.scale < 0 || c.scale > 76 {
			c.bad = fmt.Sprintf("DECIMAL scale %d out of range", c.scale)
		}
	}
	switch c.phys {
	case parquet.Types.Boolean:
		c.kind = pqBool
	case parquet.Types.Int32, parquet.Types.Int64:
		c.kind = pqInt
		switch t := lt.(type) {
		case schema.DecimalLogicalType:
			decimal()
		case schema.DateLogicalType:
			c.kind = pqDate
		case schema.TimeLogicalType:
			if setUnit(t.TimeUnit()) {
				c.kind = pqTime
			}
		case schema.TimestampLogicalType:
			if setUnit(t.TimeUnit()) {
				c.kind, c.utc = pqTimestamp, t.IsAdjustedToUTC()
			}
		case schema.IntLogicalType:
			if !t.IsSigned() {
				c.kind = pqUint
			}
		}
	case parquet.Types.Int96:
		c.kind = pqInt96
	case parquet.Types.Float:
		c.kind = pqFloat
	case parquet.Types.Double:
		c.kind = pqDouble
	case parquet.Types.ByteArray:
		c.kind = pqBytes
		switch lt.(type) {
		case schema.DecimalLogicalType:
			decimal()
		case schema.BSONLogicalType:
			c.kind = pqHex
		}
	case parquet.Types.FixedLenByteArray:
		c.kind = pqBytes
		switch lt.(type) {
		case schema.DecimalLogicalType:
			decimal()
		case schema.UUIDLogicalType:
			c.kind = pqUUID
		case schema.Float16LogicalType:
			c.kind = pqFloat16
		case schema.IntervalLogicalType:
			c.kind = pqHex
		}
		if c.kind == pqUUID && col.TypeLength() != 16 || c.kind == pqFloat16 && col.TypeLength() != 2 {
			c.bad = "logical type does not fit the fixed length"
		}
	default:
		c.bad = fmt.Sprintf("invalid physical type %d", int(c.phys))
	}
}

// pqFile is an open Parquet file: its handle, footer and columns.
type pqFile struct {
	path string
	h    *pqHandle
	pf   *file.Reader
	cols []pqCol
}

// openPQ reads the footer. h is released on error.
func openPQ(path string, h *pqHandle) (pqf *pqFile, err error) {
	fail := func(k record.Kind, format string, a ...any) (*pqFile, error) {
		h.release()
		return nil, &record.Error{Kind: k, File: path, Err: fmt.Errorf(format, a...)}
	}
	size := h.r.Size()
	if size < 12 {
		return fail(record.KindFormat, "truncated Parquet file: %d bytes, too short for a footer", size)
	}
	var tail [4]byte
	if _, err := h.r.ReadAt(tail[:], size-4); err != nil {
		return fail(record.KindIO, "read: %v", err)
	}
	switch string(tail[:]) {
	case "PARE":
		return fail(record.KindUnsupported, "encrypted Parquet is not supported: the footer is encrypted and no decryption keys can be given")
	case "PAR1":
	default:
		return fail(record.KindFormat, "truncated or corrupt Parquet file: the PAR1 magic bytes at the end of the footer are missing")
	}
	defer func() {
		if r := recover(); r != nil {
			pqf, err = fail(record.KindFormat, "cannot read the Parquet footer: the decoder failed: %v", r)
		}
	}()
	props := parquet.NewReaderProperties(memory.DefaultAllocator)
	props.BufferedStreamEnabled = true // read pages through the handle, not whole column chunks into memory
	props.BufferSize = 64 << 10
	pf, err := file.NewParquetReader(h.r, file.WithReadProps(props))
	if err != nil {
		return fail(record.KindFormat, "cannot read the Parquet footer: %v", strings.TrimPrefix(err.Error(), "parquet: "))
	}
	md := pf.MetaData()
	if md.IsSetEncryptionAlgorithm() {
		return fail(record.KindUnsupported, "encrypted Parquet is not supported: the columns are encrypted and no decryption keys can be given")
	}
	for i := 0; i < md.NumRowGroups(); i++ {
		rg := md.RowGroup(i)
		if rg.NumColumns() != md.Schema.NumColumns() {
			return fail(record.KindFormat, "corrupt Parquet footer: row group %d has %d columns, the schema %d", i+1, rg.NumColumns(), md.Schema.NumColumns())
		}
		if rg.NumRows() < 0 {
			return fail(record.KindFormat, "corrupt Parquet footer: row group %d has %d rows", i+1, rg.NumRows())
		}
		for j := 0; j < rg.NumColumns(); j++ {
			cc, err := rg.ColumnChunk(j)
			if err != nil {
				return fail(record.KindFormat, "corrupt Parquet footer: row group %d, column %d: %v", i+1, j, err)
			}
			if cc.CryptoMetadata() != nil {
				return fail(record.KindUnsupported, "encrypted Parquet is not supported: column chunks are encrypted and no decryption keys can be given")
			}
		}
	}
	// RowGroup caches the writer version on first use; fill the cache now,
	// before parts call RowGroup concurrently.
	pf.WriterVersion()
	return &pqFile{path: path, h: h, pf: pf, cols: pqColumns(md.Schema)}, nil
}

func (p *pqFile) nestedErr(c *pqCol) error {
	return &record.Error{Kind: record.KindUnsupported, File: p.path, Column: c.name,
		Err: fmt.Errorf("nested or repeated Parquet columns are not supported: the column is %s", c.nested)}
}

func (p *pqFile) badErr(c *pqCol) error {
	return &record.Error{Kind: record.KindFormat, File: p.path, Column: c.name,
		Err: fmt.Errorf("corrupt Parquet schema: %s (%s)", c.bad, c.typ)}
}

// conversion of a column for one canonical field.
type pqConv uint8

const (
	pcText   pqConv = iota // display text (bytes kept as they are, checked for UTF-8)
	pcTime                 // txn_time from TIMESTAMP, INT96 or DATE
	pcAmount               // amount from DECIMAL or an integer
	pcClock                // a TIME column joined with a date column: hh:mm:ss
)

// pqField is one mapped column to decode.
type pqField struct {
	field record.Field
	col   *pqCol
	conv  pqConv
}

// parquetSource yields one part per row group.
type parquetSource struct {
	fc     *fileCtx
	pqf    *pqFile
	fields []pqField
	rg     int   // next row group
	row    int64 // rows before it
	seq    int   // batches before it
	closed bool
}

// openParquet reads the file (hashing it), its footer and schema, and maps
// the top-level column names onto canonical fields.
func openParquet(fc *fileCtx, br io.Reader, rc io.ReadCloser, hr *hashingReader) (partSource, error) {
	h, err := takeParquet(fc.path, br, rc, hr)
	if err != nil {
		return nil, err
	}
	pqf, err := openPQ(fc.path, h)
	if err != nil {
		return nil, err
	}
	s, err := newParquetSource(fc, pqf)
	if err != nil {
		h.release()
		return nil, err
	}
	return s, nil
}

func newParquetSource(fc *fileCtx, pqf *pqFile) (*parquetSource, error) {
	names := make([]string, len(pqf.cols))
	for i := range pqf.cols {
		names[i] = pqf.cols[i].name
	}
	m, err := MapHeader(fc.path, names, fc.opts.Columns, fc.opts.requiredFields())
	if err != nil {
		return nil, err
	}
	fc.mapping = m
	fc.setPresent()
	fc.enc = EncUTF8
	fc.rowsHint = pqf.pf.NumRows()
	s := &parquetSource{fc: fc, pqf: pqf}
	for _, fcol := range fc.cols {
		c := &pqf.cols[fcol.col]
		if c.nested != "" {
			return nil, pqf.nestedErr(c)
		}
		if c.bad != "" {
			return nil, pqf.badErr(c)
		}
		f := pqField{field: fcol.field, col: c}
		switch fcol.field {
		case record.TxnTime:
			switch c.kind {
			case pqTimestamp, pqInt96, pqDate:
				f.conv = pcTime
			case pqBytes, pqInt, pqUint:
			case pqTime:
				if !fc.present[colDate] {
					return nil, &record.Error{Kind: record.KindSchema, File: fc.path, Column: c.name,
						Err: fmt.Errorf("txn_time column holds %s values, a time of day, and no date column was found to join it with", c.typ)}
				}
				f.conv = pcClock
			default:
				return nil, &record.Error{Kind: record.KindSchema, File: fc.path, Column: c.name,
					Err: fmt.Errorf("txn_time column holds %s values: expected a TIMESTAMP, INT96, DATE or text column", c.typ)}
			}
		case record.Amount:
			switch c.kind {
			case pqDecimal, pqInt, pqUint:
				f.conv = pcAmount
			case pqBytes, pqFloat, pqDouble:
			default:
				return nil, &record.Error{Kind: record.KindSchema, File: fc.path, Column: c.name,
					Err: fmt.Errorf("amount column holds %s values: expected a DECIMAL, integer, floating-point or text column", c.typ)}
			}
		}
		s.fields = append(s.fields, f)
	}
	return s, nil
}

func (s *parquetSource) next() (Part, error) {
	md := s.pqf.pf.MetaData()
	for s.rg < md.NumRowGroups() {
		i := s.rg
		n := md.RowGroup(i).NumRows()
		s.rg++
		if n == 0 {
			continue
		}
		if !s.pqf.h.acquire() {
			return nil, &record.Error{Kind: record.KindIO, File: s.fc.path, Err: errors.New("the file is closed")}
		}
		ref := &pqPartRef{h: s.pqf.h}
		p := &parquetPart{src: s, ref: ref, rg: i, first: s.row, rows: n, seq: s.seq}
		// A part dropped without Decode (a cancelled run) still gives its
		// reference back.
		runtime.AddCleanup(p, func(r *pqPartRef) { r.drop() }, ref)
		s.row += n
		bn := int64(s.fc.opts.batchRows())
		s.seq += int((n + bn - 1) / bn)
		return p, nil
	}
	return nil, io.EOF
}

func (s *parquetSource) close() error {
	if !s.closed {
		s.closed = true
		s.pqf.h.release()
	}
	return nil
}

// pqPartRef is a part's reference on the file handle.
type pqPartRef struct {
	h       *pqHandle
	dropped atomic.Bool
}

func (r *pqPartRef) drop() {
	if r.dropped.CompareAndSwap(false, true) {
		r.h.release()
	}
}

// parquetPart is one row group.
type parquetPart struct {
	src   *parquetSource
	ref   *pqPartRef
	rg    int
	first int64 // rows before this row group
	rows  int64
	seq   int // Seq of its first batch
}

func (p *parquetPart) fault(col *pqCol, err error) error {
	var re *record.Error
	if errors.As(err, &re) {
		return err
	}
	e := &record.Error{Kind: record.KindFormat, File: p.src.fc.path,
		Err: fmt.Errorf("row group %d (rows %d-%d): %s", p.rg+1, p.first+1, p.first+p.rows, strings.TrimPrefix(err.Error(), "parquet: "))}
	if col != nil {
		e.Column = col.name
	}
	return e
}

// Decode reads the row group's mapped columns in batches of
// Options.BatchRows rows.
func (p *parquetPart) Decode() (bs []*record.Batch, err error) {
	fc := p.src.fc
	h := p.src.pqf.h
	if !h.acquire() {
		return nil, &record.Error{Kind: record.KindIO, File: fc.path, Err: errors.New("the file was closed before this row group was decoded")}
	}
	defer h.release()
	defer p.ref.drop()
	defer func() {
		if r := recover(); r != nil {
			bs, err = nil, p.fault(nil, fmt.Errorf("the Parquet decoder failed: %v", r))
		}
	}()

	size := int(min(int64(fc.opts.batchRows()), p.rows))
	rg := p.src.pqf.pf.RowGroup(p.rg)
	readers := make([]*pqReader, len(p.src.fields))
	for k := range p.src.fields {
		col := p.src.fields[k].col
		r, err := openPQReader(rg, col, size)
		if err != nil {
			return nil, p.fault(col, err)
		}
		defer r.close()
		readers[k] = r
	}

	rb := newRowBuilder(fc)
	cv := newPQConverter(fc, p.src.fields, size)
	defer cv.release()
	fill := cv.fillText
	seq := p.seq
	var row rawRow
	for done := int64(0); done < p.rows; {
		n := int(min(int64(size), p.rows-done))
		for k, r := range readers {
			if err := r.safeRead(n); err != nil {
				return nil, p.fault(p.src.fields[k].col, err)
			}
		}
		b := rb.start(seq, n)
		cv.convert(readers, n)
		for i := 0; i < n; i++ {
			row = rawRow{line: p.first + done + int64(i) + 1, fill: fill, at: i}
			for k := range cv.cols {
				row.val[cv.cols[k].field] = cv.cols[k].text[i]
			}
			if k := cv.bad[i]; k > 0 {
				f := p.src.fields[k-1].field
				row.val[f] = strings.ToValidUTF8(row.val[f], "\uFFFD")
				rb.reject(&row, fc.header(f), errors.New("bytes that are not valid UTF-8: Parquet text must be UTF-8"), nil)
				continue
			}
			if c := cv.timeCol; c != nil && c.ok[i] {
				row.hasTime, row.time = true, c.num[i]
			}
			if c := cv.amtCol; c != nil && c.ok[i] {
				cv.amount(&row, c.dec[i], c.scale)
			}
			rb.add(&row, nil)
		}
		bs = append(bs, b)
		seq++
		done += int64(n)
	}
	for k, r := range readers {
		if err := r.finish(p.rows); err != nil {
			return nil, p.fault(p.src.fields[k].col, err)
		}
	}
	return bs, nil
}

// pqReader reads one column chunk in batches, through arrow-go's column
// chunk reader (cr) or page by page (pages, see pqdict.go).
type pqReader struct {
	col  *pqCol
	cr   file.ColumnChunkReader
	n    int
	defs []int16
	idx  []int32 // per row: index of its value below, -1 for null
	bl   []bool
	i32  []int32
	i64  []int64
	i96  []parquet.Int96
	f32  []float32
	f64  []float64
	ba   []parquet.ByteArray
	fl   []parquet.FixedLenByteArray
	// read page by page: cr is nil, and the values are text whose UTF-8
	// is checked
	pages  *pqByteChunk
	str    []string
	strBad []bool
}

func newPQReader(col *pqCol, cr file.ColumnChunkReader, size int) *pqReader {
	r := &pqReader{col: col, cr: cr, idx: pqInt32s.get(size)}
	if col.maxDef > 0 {
		r.defs = pqInt16s.get(size)
	}
	switch cr.(type) {
	case *file.BooleanColumnChunkReader:
		r.bl = make([]bool, size)
	case *file.Int32ColumnChunkReader:
		r.i32 = make([]int32, size)
	case *file.Int64ColumnChunkReader:
		r.i64 = pqInt64s.get(size)
	case *file.Int96ColumnChunkReader:
		r.i96 = make([]parquet.Int96, size)
	case *file.Float32ColumnChunkReader:
		r.f32 = make([]float32, size)
	case *file.Float64ColumnChunkReader:
		r.f64 = make([]float64, size)
	case *file.ByteArrayColumnChunkReader:
		r.ba = pqByteArrs.get(size)
	case *file.FixedLenByteArrayColumnChunkReader:
		r.fl = make([]parquet.FixedLenByteArray, size)
	}
	return r
}

// safeRead is read with a panic of arrow-go's readers (a corrupt page
// header can make one) turned into an error, so that the fault names the
// column as well as the row group.
func (r *pqReader) safeRead(n int) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the Parquet decoder failed: %v", v)
		}
	}()
	return r.read(n)
}

// read reads the next n rows. Byte arrays come back cloned into fresh
// buffers, which the batch's strings may share.
func (r *pqReader) read(n int) error {
	if r.pages != nil {
		return r.pages.read(r, n)
	}
	var defs []int16
	if r.defs != nil {
		defs = r.defs[:n]
	}
	var (
		total int64
		nv    int
		err   error
	)
	switch cr := r.cr.(type) {
	case *file.BooleanColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.bl[:n], defs, nil)
	case *file.Int32ColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.i32[:n], defs, nil)
	case *file.Int64ColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.i64[:n], defs, nil)
	case *file.Int96ColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.i96[:n], defs, nil)
	case *file.Float32ColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.f32[:n], defs, nil)
	case *file.Float64ColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.f64[:n], defs, nil)
	case *file.ByteArrayColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.ba[:n], defs, nil)
	case *file.FixedLenByteArrayColumnChunkReader:
		total, nv, err = cr.ReadBatch(int64(n), r.fl[:n], defs, nil)
	default:
		return fmt.Errorf("unsupported physical type %s", r.col.phys)
	}
	if err != nil {
		return err
	}
	if total != int64(n) {
		if err := r.cr.Err(); err != nil {
			return err
		}
		return fmt.Errorf("the column chunk ends %d rows short of the row group's rows", int64(n)-total)
	}
	if defs == nil {
		if nv != n {
			return fmt.Errorf("a required column with %d values for %d rows", nv, n)
		}
		for i := range n {
			r.idx[i] = int32(i)
		}
	} else {
		j := int32(0)
		for i, d := range defs {
			if d == r.col.maxDef {
				r.idx[i] = j
				j++
			} else {
				r.idx[i] = -1
			}
		}
		if int(j) != nv {
			return fmt.Errorf("the definition levels promise %d values, the page holds %d", j, nv)
		}
	}
	r.n = n
	return nil
}

// bytesAt returns value j of a byte-array column.
func (r *pqReader) bytesAt(j int32) []byte {
	if r.str != nil {
		return pqBytesOf(r.str[j])
	}
	if r.ba != nil {
		return r.ba[j]
	}
	return r.fl[j]
}

// intAt returns value j of an INT32 or INT64 column, sign- or zero-extended.
func (r *pqReader) intAt(j int32) (v int64, unsigned bool) {
	if r.i32 != nil {
		if r.col.kind == pqUint {
			return int64(uint32(r.i32[j])), true
		}
		return int64(r.i32[j]), false
	}
	return r.i64[j], r.col.kind == pqUint
}

// appendValue appends value j as display text; raw bytes that are not
// valid UTF-8 are shown as 0x-prefixed hex.
func (r *pqReader) appendValue(dst []byte, j int32) []byte {
	c := r.col
	switch c.kind {
	case pqBytes:
		b := r.bytesAt(j)
		if r.fl == nil && utf8.Valid(b) {
			return append(dst, b...)
		}
		return pqAppendHex(dst, b) // fixed-length bytes without an annotation are binary
	case pqHex:
		return pqAppendHex(dst, r.bytesAt(j))
	case pqBool:
		return strconv.AppendBool(dst, r.bl[j])
	case pqInt, pqUint:
		v, u := r.intAt(j)
		if u {
			return strconv.AppendUint(dst, uint64(v), 10)
		}
		return strconv.AppendInt(dst, v, 10)
	case pqFloat:
		return strconv.AppendFloat(dst, float64(r.f32[j]), 'f', -1, 32)
	case pqDouble:
		return strconv.AppendFloat(dst, r.f64[j], 'f', -1, 64)
	case pqFloat16:
		return strconv.AppendFloat(dst, float64(float16.FromLEBytes(r.fl[j]).Float32()), 'f', -1, 32)
	case pqUUID:
		b := r.fl[j]
		var s [36]byte
		hex.Encode(s[0:8], b[0:4])
		hex.Encode(s[9:13], b[4:6])
		hex.Encode(s[14:18], b[6:8])
		hex.Encode(s[19:23], b[8:10])
		hex.Encode(s[24:], b[10:])
		s[8], s[13], s[18], s[23] = '-', '-', '-', '-'
		return append(dst, s[:]...)
	case pqDecimal:
		d, ok := r.decimalAt(j)
		if !ok {
			return pqAppendHex(append(dst, "decimal out of range: "...), r.bytesAt(j))
		}
		return d.appendText(dst, c.scale)
	case pqDate:
		return pqAppendDate(dst, int64(r.i32[j]))
	case pqTime:
		v, _ := r.intAt(j)
		secs, frac := pqFloorDiv(v, c.unit)
		return pqAppendClock(dst, secs, frac, c.frac)
	case pqTimestamp:
		secs, frac := pqFloorDiv(r.i64[j], c.unit)
		return pqAppendDateTime(dst, secs, frac, c.frac, c.utc)
	case pqInt96:
		secs, nanos := pqInt96Time(r.i96[j])
		return pqAppendDateTime(dst, secs, nanos, 9, true)
	}
	return dst
}

// pqDec is a decimal's unscaled value as a sign and a 128-bit magnitude.
type pqDec struct {
	neg    bool
	hi, lo uint64
}

// decimalAt returns the unscaled value j of a DECIMAL column; ok is false
// when it does not fit 128 bits.
func (r *pqReader) decimalAt(j int32) (d pqDec, ok bool) {
	switch {
	case r.i32 != nil:
		return pqDecFromInt(int64(r.i32[j])), true
	case r.i64 != nil:
		return pqDecFromInt(r.i64[j]), true
	}
	return pqDecFromBytes(r.bytesAt(j))
}

func pqDecFromInt(v int64) pqDec {
	if v < 0 {
		return pqDec{neg: true, lo: uint64(-v)} // -MinInt64 wraps to 1<<63, the right magnitude
	}
	return pqDec{lo: uint64(v)}
}

// pqDecFromBytes reads a big-endian two's-complement integer.
func pqDecFromBytes(b []byte) (pqDec, bool) {
	if len(b) == 0 {
		return pqDec{}, true
	}
	neg := b[0]&0x80 != 0
	ext := byte(0)
	if neg {
		ext = 0xff
	}
	for len(b) > 16 {
		if b[0] != ext || (b[1]&0x80 != 0) != neg {
			return pqDec{}, false
		}
		b = b[1:]
	}
	var hi, lo uint64
	if neg {
		hi, lo = math.MaxUint64, math.MaxUint64
	}
	for _, c := range b {
		hi = hi<<8 | lo>>56
		lo = lo<<8 | uint64(c)
	}
	if neg { // two's complement → magnitude
		hi, lo = ^hi, ^lo
		var carry uint64
		lo, carry = bits.Add64(lo, 1, 0)
		hi += carry
	}
	return pqDec{neg: neg, hi: hi, lo: lo}, true
}

// divRem divides the magnitude by p.
func (d pqDec) divRem(p uint64) (pqDec, uint64) {
	ql, rem := bits.Div64(d.hi%p, d.lo, p)
	return pqDec{neg: d.neg, hi: d.hi / p, lo: ql}, rem
}

// divPow10 divides the magnitude by 10^k and reports whether it was exact.
func (d pqDec) divPow10(k int) (pqDec, bool) {
	exact := true
	for k > 0 {
		s := min(k, 19)
		var rem uint64
		d, rem = d.divRem(pqPow10[s])
		exact = exact && rem == 0
		k -= s
	}
	return d, exact
}

var pqPow10 = func() (t [20]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return
}()

// appendText appends the value with scale decimals.
func (d pqDec) appendText(dst []byte, scale int32) []byte {
	var digits [40]byte
	ds := d.appendDigits(digits[:0])
	if d.neg && (d.hi != 0 || d.lo != 0) {
		dst = append(dst, '-')
	}
	sc := int(scale)
	if sc <= 0 {
		return append(dst, ds...)
	}
	if len(ds) <= sc {
		dst = append(dst, '0', '.')
		for i := len(ds); i < sc; i++ {
			dst = append(dst, '0')
		}
		return append(dst, ds...)
	}
	dst = append(dst, ds[:len(ds)-sc]...)
	dst = append(dst, '.')
	return append(dst, ds[len(ds)-sc:]...)
}

func (d pqDec) appendDigits(dst []byte) []byte {
	if d.hi == 0 {
		return strconv.AppendUint(dst, d.lo, 10)
	}
	q, rl := d.divRem(pqPow10[19])
	dst = q.appendDigits(dst)
	var buf [20]byte
	s := strconv.AppendUint(buf[:0], rl, 10)
	for i := len(s); i < 19; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// minor converts the decimal with the given scale into units of
// 10^-digits. ok is false when it has more non-zero decimals or is out of
// the range the text parser accepts.
func (d pqDec) minor(scale int32, digits int) (int64, bool) {
	sc := int(scale)
	if sc > digits {
		var exact bool
		if d, exact = d.divPow10(sc - digits); !exact {
			return 0, false
		}
	}
	if d.hi != 0 || d.lo > 1<<62 {
		return 0, false
	}
	v := int64(d.lo)
	for ; sc < digits; sc++ {
		if v > (1<<62)/10 {
			return 0, false
		}
		v *= 10
	}
	if d.neg {
		v = -v
	}
	return v, true
}

// pqArena holds the text of one batch's formatted values; the batch's
// strings point into it.
type pqArena struct{ buf []byte }

// str returns the bytes appended since start as a string sharing the
// arena's memory. Bytes once returned are never written again: appends go
// past them, and a grown buffer leaves the old one to the strings using it.
func (a *pqArena) str(start int) string {
	if len(a.buf) == start {
		return ""
	}
	b := a.buf[start:]
	return unsafe.String(&b[0], len(b))
}

func pqString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// pqConverter turns a batch of column values into the rows' values, one
// column at a time. One per Decode.
type pqConverter struct {
	fc      *fileCtx
	loc     *time.Location
	fen     bool
	cols    []pqConvCol
	bad     []int // per row: 1 + the field whose text is not valid UTF-8, or 0
	timeCol *pqConvCol
	amtCol  *pqConvCol
	arena   pqArena
	readers []*pqReader // of the batch being converted, for fillText
	// the wall-clock hour (Unix hours) whose start in loc is base
	hourAt int64
	base   int64
	hasH   bool
	// the last currency value seen and its digits
	lastCur    string
	lastDigits int
	hasCur     bool
}

// pqConvCol is one field's converted values.
type pqConvCol struct {
	field record.Field
	col   *pqCol
	conv  pqConv
	scale int32
	text  []string // the value as text ("" for null)
	ok    []bool   // pcTime, pcAmount: a typed value is in num or dec
	num   []int64  // pcTime: Unix seconds
	dec   []pqDec  // pcAmount: the unscaled decimal
}

func newPQConverter(fc *fileCtx, fields []pqField, size int) *pqConverter {
	cv := &pqConverter{fc: fc, loc: fc.opts.location(), fen: fc.opts.AmountUnit == "fen", bad: pqInts.get(size)}
	cv.cols = make([]pqConvCol, len(fields))
	for k, f := range fields {
		c := &cv.cols[k]
		c.field, c.col, c.conv, c.text = f.field, f.col, f.conv, pqStrings.get(size)
		switch f.conv {
		case pcTime:
			c.ok, c.num = pqBools.get(size), pqInt64s.get(size)
			cv.timeCol = c
		case pcAmount:
			c.ok, c.dec = pqBools.get(size), pqDecs.get(size)
			if f.col.kind == pqDecimal {
				c.scale = f.col.scale
			}
			cv.amtCol = c
		}
	}
	return cv
}

// release recycles the converter's per-row arrays: the batches keep none
// of them.
func (cv *pqConverter) release() {
	pqInts.put(cv.bad)
	for k := range cv.cols {
		c := &cv.cols[k]
		pqStrings.put(c.text)
		pqBools.put(c.ok)
		pqInt64s.put(c.num)
		pqDecs.put(c.dec)
	}
	cv.bad, cv.cols = nil, nil
}

// local turns seconds of a wall clock (as if UTC) into a Unix time in loc.
func (cv *pqConverter) local(wall int64) int64 {
	h, _ := pqFloorDiv(wall, 3600)
	if !cv.hasH || h != cv.hourAt {
		t := time.Unix(h*3600, 0).UTC()
		cv.base = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, cv.loc).Unix()
		cv.hourAt, cv.hasH = h, true
	}
	return cv.base + (wall - h*3600)
}

// The years a txn_time may fall in, as the text parser accepts them.
const (
	pqMinSecs = -62135596800 // 0001-01-01 00:00:00 UTC
	pqMaxSecs = 253402300799 // 9999-12-31 23:59:59 UTC
)

// convert converts the n rows just read by readers.
func (cv *pqConverter) convert(readers []*pqReader, n int) {
	clear(cv.bad[:n])
	formatted := 0
	for k := range cv.cols {
		if c := &cv.cols[k]; c.col.kind != pqBytes && c.conv != pcTime && c.conv != pcAmount {
			formatted++ // typed times and amounts are formatted only for rejects
		}
	}
	// A fresh arena per batch: the batch's strings keep it alive.
	cv.arena = pqArena{buf: make([]byte, 0, n*16*formatted)}
	cv.readers = readers
	for k := range cv.cols {
		c, r := &cv.cols[k], readers[k]
		if c.col.kind == pqBytes {
			cv.convertBytes(k, c, r, n)
			continue
		}
		ar := &cv.arena
		for i := 0; i < n; i++ {
			j := r.idx[i]
			if c.ok != nil {
				c.ok[i] = false
			}
			if j < 0 {
				c.text[i] = "" // null: an empty value
				continue
			}
			switch c.conv {
			case pcTime:
				cv.typedTime(c, r, i, j)
			case pcAmount:
				cv.typedAmount(c, r, i, j)
			}
			if c.ok != nil && c.ok[i] {
				// Typed: the text only shows a rejected row, so it is
				// made then, by fillText (a fifth of the decoding was
				// formatting times and amounts no one read).
				c.text[i] = ""
				continue
			}
			start := len(ar.buf)
			if c.conv == pcClock {
				v, _ := r.intAt(j)
				secs, _ := pqFloorDiv(v, c.col.unit)
				ar.buf = pqAppendClock(ar.buf, secs, 0, 0)
			} else {
				ar.buf = r.appendValue(ar.buf, j)
			}
			c.text[i] = ar.str(start)
		}
	}
}

// fillText formats the typed values of row i of the batch just converted,
// whose text convert left out, into r.
func (cv *pqConverter) fillText(r *rawRow, i int) {
	for k := range cv.cols {
		c := &cv.cols[k]
		if c.ok == nil || !c.ok[i] {
			continue
		}
		rd := cv.readers[k]
		start := len(cv.arena.buf)
		cv.arena.buf = rd.appendValue(cv.arena.buf, rd.idx[i])
		r.val[c.field] = cv.arena.str(start)
	}
}

// convertBytes takes byte-array values as text. They were cloned by the
// reader into buffers of their own, which the strings share.
func (cv *pqConverter) convertBytes(k int, c *pqConvCol, r *pqReader, n int) {
	if r.pages != nil {
		cv.convertPages(k, c, r, n)
		return
	}
	for i := 0; i < n; i++ {
		j := r.idx[i]
		if j < 0 {
			c.text[i] = ""
			continue
		}
		s := pqString(r.bytesAt(j))
		if !utf8.ValidString(s) && cv.bad[i] == 0 {
			cv.bad[i] = k + 1
		}
		c.text[i] = s
	}
}

// typedTime sets the Unix time of value j. Out of the years 1-9999 the
// text is left to the text parser, which rejects it as it would in a CSV.
func (cv *pqConverter) typedTime(c *pqConvCol, r *pqReader, i int, j int32) {
	var secs int64
	local := false
	switch c.col.kind {
	case pqTimestamp:
		secs, _ = pqFloorDiv(r.i64[j], c.col.unit)
		local = !c.col.utc
	case pqInt96:
		secs, _ = pqInt96Time(r.i96[j])
	case pqDate:
		secs, local = int64(r.i32[j])*86400, true
	}
	if secs < pqMinSecs || secs > pqMaxSecs {
		return
	}
	if local {
		secs = cv.local(secs)
	}
	c.num[i], c.ok[i] = secs, true
}

// typedAmount keeps the unscaled value j of a DECIMAL or integer amount;
// it is converted once the row's currency is known. A value beyond the
// typed range is left to the text parser, which rejects it.
func (cv *pqConverter) typedAmount(c *pqConvCol, r *pqReader, i int, j int32) {
	if c.col.kind == pqDecimal {
		d, ok := r.decimalAt(j)
		if ok {
			c.dec[i], c.ok[i] = d, true
		}
		return
	}
	v, u := r.intAt(j)
	if u && v < 0 { // above MaxInt64
		return
	}
	c.dec[i], c.ok[i] = pqDecFromInt(v), true
}

// amount converts a typed amount into the minor units of the row's
// currency. When the exact conversion fails (more non-zero decimals than
// the currency has, or out of range), the amount's text, trailing zero
// decimals dropped, is left to the text parser, which rejects it for the
// same reason as in a CSV file.
func (cv *pqConverter) amount(row *rawRow, d pqDec, scale int32) {
	digits := 2
	if cv.fc.present[record.Currency] {
		c := row.val[record.Currency]
		if !cv.hasCur || c != cv.lastCur {
			cv.lastCur, cv.hasCur = c, true
			cv.lastDigits = record.CurrencyDigits(record.NormalizeCurrency(strings.ToUpper(strings.TrimSpace(c))))
		}
		digits = cv.lastDigits
	}
	target := digits
	if cv.fen {
		target = 0
	}
	if v, ok := d.minor(scale, target); ok {
		row.hasAmt, row.amt = true, v
		return
	}
	row.complete()
	s := row.val[record.Amount]
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	row.val[record.Amount] = s
}

func pqFloorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// pqInt96Time converts an INT96 timestamp (nanoseconds of the day, then
// the Julian day as a signed 32-bit number, little-endian) into Unix
// seconds and nanoseconds.
//
// Spark keeps timestamps as int64 microseconds, and its INT96 encoder
// wraps around for values near the int64 limits (parquet-testing's
// int96_from_spark.parquet holds one). An INT96 whose value does not fit
// int64 microseconds cannot have been written any other way, so the wrap
// is undone by computing in wrapping int64 microseconds, which gives back
// the value Spark wrote (9089380393200000000 µs for that file, as
// upstream documents).
func pqInt96Time(v parquet.Int96) (secs, nanos int64) {
	ns := int64(binary.LittleEndian.Uint64(v[0:8]))
	days := int64(int32(binary.LittleEndian.Uint32(v[8:12]))) - 2440588
	s, n := pqFloorDiv(ns, 1e9)
	secs = days*86400 + s // |days| < 2^32: exact
	if secs < math.MinInt64/1_000_000+1 || secs > math.MaxInt64/1_000_000-1 {
		us := days*86400e6 + ns/1000 // wraps around, as Spark's encoder did
		var r int64
		secs, r = pqFloorDiv(us, 1e6)
		return secs, r * 1000
	}
	return secs, n
}

// pqCivil returns the proleptic Gregorian date of a day count from 1970-01-01.
func pqCivil(days int64) (y int64, m, d int) {
	z := days + 719468
	era, _ := pqFloorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func pqAppend2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

func pqAppendDate(dst []byte, days int64) []byte {
	y, m, d := pqCivil(days)
	if y >= 0 && y <= 9999 {
		dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	} else {
		dst = strconv.AppendInt(dst, y, 10)
	}
	dst = append(dst, '-')
	dst = pqAppend2(dst, m)
	dst = append(dst, '-')
	return pqAppend2(dst, d)
}

// pqAppendClock appends hh:mm:ss of a second of the day, then the
// fraction frac (fracDigits digits) without trailing zeros.
func pqAppendClock(dst []byte, secs, frac int64, fracDigits int) []byte {
	_, s := pqFloorDiv(secs, 86400)
	dst = pqAppend2(dst, int(s/3600))
	dst = append(dst, ':')
	dst = pqAppend2(dst, int(s/60%60))
	dst = append(dst, ':')
	dst = pqAppend2(dst, int(s%60))
	if frac > 0 && fracDigits > 0 {
		var buf [9]byte
		for i := fracDigits - 1; i >= 0; i-- {
			buf[i] = byte('0' + frac%10)
			frac /= 10
		}
		f := buf[:fracDigits]
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		dst = append(dst, '.')
		dst = append(dst, f...)
	}
	return dst
}

// pqAppendDateTime appends "2006-01-02 15:04:05.999" for a wall time, or
// "2006-01-02T15:04:05.999Z" for a UTC instant.
func pqAppendDateTime(dst []byte, secs, frac int64, fracDigits int, utc bool) []byte {
	days, s := pqFloorDiv(secs, 86400)
	dst = pqAppendDate(dst, days)
	if utc {
		dst = append(dst, 'T')
	} else {
		dst = append(dst, ' ')
	}
	dst = pqAppendClock(dst, s, frac, fracDigits)
	if utc {
		dst = append(dst, 'Z')
	}
	return dst
}

func pqAppendHex(dst, b []byte) []byte {
	dst = append(dst, '0', 'x')
	return hex.AppendEncode(dst, b)
}

// ReadParquetRaw reads every row of a flat Parquet file as display text,
// with the same guards as the pipeline: a panic in the decoder, an
// encrypted file or a nested column is an error naming the file. Null
// values are ParquetNull. Byte arrays that are not valid UTF-8, and
// unannotated fixed-length ones, are shown as 0x-prefixed hex; decimals
// with their scale; dates and times as ISO 8601 (a T and a trailing Z mark
// a UTC instant, a space a wall-clock time).
// It reads the whole file into memory: it serves inspection and the
// conformance tests, not large inputs.
func ReadParquetRaw(path string) (columns []string, rows [][]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &record.Error{Kind: record.KindIO, File: path, Err: unwrapPath(err)}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, &record.Error{Kind: record.KindIO, File: path, Err: unwrapPath(err)}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &record.Error{Kind: record.KindIO, File: path, Err: errors.New("not a regular file")}
	}
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != "PAR1" && string(magic[:]) != "PARE" {
		f.Close()
		return nil, nil, &record.Error{Kind: record.KindFormat, File: path, Err: errors.New("not a Parquet file: the PAR1 magic bytes are missing")}
	}
	return readParquetRaw(path, newPQHandle(f, "", st.Size()))
}

// readParquetRaw is ReadParquetRaw on a handle, which it releases.
func readParquetRaw(path string, h *pqHandle) (columns []string, rows [][]string, err error) {
	pqf, err := openPQ(path, h)
	if err != nil {
		return nil, nil, err
	}
	defer pqf.h.release()
	for i := range pqf.cols {
		c := &pqf.cols[i]
		columns = append(columns, c.name)
		if c.nested != "" {
			return nil, nil, pqf.nestedErr(c)
		}
		if c.bad != "" {
			return nil, nil, pqf.badErr(c)
		}
	}
	md := pqf.pf.MetaData()
	var first int64
	for g := 0; g < md.NumRowGroups(); g++ {
		n := md.RowGroup(g).NumRows()
		part := &parquetPart{src: &parquetSource{fc: &fileCtx{path: path}, pqf: pqf}, rg: g, first: first, rows: n}
		got, err := part.readRaw(pqf)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, got...)
		first += n
	}
	return columns, rows, nil
}

// readRaw reads every column of the row group as display text.
func (p *parquetPart) readRaw(pqf *pqFile) (rows [][]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			rows, err = nil, p.fault(nil, fmt.Errorf("the Parquet decoder failed: %v", r))
		}
	}()
	if p.rows == 0 {
		return nil, nil
	}
	rg := pqf.pf.RowGroup(p.rg)
	size := int(min(p.rows, 8192))
	readers := make([]*pqReader, len(pqf.cols))
	for k := range pqf.cols {
		col := &pqf.cols[k]
		r, err := openPQReader(rg, col, size)
		if err != nil {
			return nil, p.fault(col, err)
		}
		defer r.close()
		readers[k] = r
	}
	var buf []byte
	for done := int64(0); done < p.rows; {
		n := int(min(int64(size), p.rows-done))
		for _, r := range readers {
			if err := r.read(n); err != nil {
				return nil, p.fault(r.col, err)
			}
		}
		for i := 0; i < n; i++ {
			out := make([]string, len(readers))
			for k, r := range readers {
				j := r.idx[i]
				if j < 0 {
					out[k] = ParquetNull
					continue
				}
				buf = r.appendValue(buf[:0], j)
				out[k] = string(buf)
			}
			rows = append(rows, out)
		}
		done += int64(n)
	}
	for _, r := range readers {
		if err := r.finish(p.rows); err != nil {
			return nil, p.fault(r.col, err)
		}
	}
	return rows, nil
}
