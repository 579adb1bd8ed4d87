package ingest

// Byte-array text columns read page by page.
//
// arrow-go's ByteArrayColumnChunkReader hands every row its own value:
// dictionary entries are copied out per row, and the reader clones them
// again so they outlive the page buffer, after which each row's text is
// checked for UTF-8. On an export, where most text columns are dictionary
// encoded with a few thousand distinct values, that was over a quarter of
// the decoding CPU (5M rows: 0.9 s cloning, 0.6 s checking of 5.4 s).
// pqByteChunk reads such column chunks' pages itself: the dictionary page
// is copied once into memory of its own and checked for UTF-8 once per
// entry, and a row's text is then its entry's string (no
// copy, no check). PLAIN data pages (a dictionary that grew too large falls
// back to them mid-chunk, and some columns are PLAIN throughout) are copied
// once per page and their values checked one by one, as before.
//
// Only column chunks whose metadata lists nothing but PLAIN,
// PLAIN_DICTIONARY and RLE_DICTIONARY values with RLE or BIT_PACKED levels
// are read this way, and only unencrypted ones; every other chunk (other
// encodings, FIXED_LEN_BYTE_ARRAY, decimals) keeps arrow-go's reader. The
// metadata is not always right: xitongsys/parquet-go leaves
// DELTA_LENGTH_BYTE_ARRAY out of the list. A data page pqByteChunk does not
// read hands the rest of the chunk to arrow-go's reader, which skips the
// rows already read.
//
// The pages come from arrow-go's page reader, decompressed, with data page
// v1 and v2 told apart (it does not verify page CRCs, with or without
// pqByteChunk). openPQ leaves ReaderProperties.PageStreamingEnabled off, so
// a data page's Data is its whole body; a page whose body is shorter than
// its header says is refused rather than misread.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// pqPagesOff sends every column chunk through arrow-go's reader: tests
// and benchmarks compare the two ways.
var pqPagesOff bool

// openPQReader opens the reader of one column chunk of the row group: page
// by page when pqByteChunk can read it, arrow-go's column chunk reader
// otherwise. Its caller closes it.
func openPQReader(rg *file.RowGroupReader, col *pqCol, size int) (*pqReader, error) {
	cc, err := rg.MetaData().ColumnChunk(col.leaf)
	if err != nil {
		return nil, err
	}
	if !pqPagesOff && pqPagesReadable(col, cc) {
		return newPQPageReader(rg, col, size)
	}
	cr, err := rg.Column(col.leaf)
	if err != nil {
		return nil, err
	}
	if cr == nil {
		return nil, fmt.Errorf("unsupported physical type %s", col.phys)
	}
	return newPQReader(col, cr, size), nil
}

// pqPagesReadable says whether pqByteChunk reads the column chunk.
func pqPagesReadable(col *pqCol, cc *metadata.ColumnChunkMetaData) bool {
	if col.kind != pqBytes || col.phys != parquet.Types.ByteArray || cc.Type() != parquet.Types.ByteArray || cc.CryptoMetadata() != nil {
		return false
	}
	for _, e := range cc.Encodings() {
		switch e {
		case parquet.Encodings.Plain, parquet.Encodings.PlainDict, parquet.Encodings.RLEDict,
			parquet.Encodings.RLE, parquet.Encodings.BitPacked:
		default:
			return false
		}
	}
	return true
}

// newPQPageReader reads a column chunk that pqPagesReadable accepts.
func newPQPageReader(rg *file.RowGroupReader, col *pqCol, size int) (*pqReader, error) {
	pr, err := rg.GetColumnPageReader(col.leaf)
	if err != nil {
		return nil, err
	}
	c := &pqByteChunk{pr: pr, maxDef: col.maxDef, levelWidth: bits.Len16(uint16(col.maxDef))}
	c.openArrow = func() (*file.ByteArrayColumnChunkReader, error) {
		cr, err := rg.Column(col.leaf)
		if err != nil {
			return nil, err
		}
		if br, ok := cr.(*file.ByteArrayColumnChunkReader); ok {
			return br, nil
		}
		if cr != nil {
			cr.Close()
		}
		return nil, fmt.Errorf("unsupported physical type %s", col.phys)
	}
	return &pqReader{col: col, idx: pqInt32s.get(size), pages: c,
		str: pqStrings.get(size), strBad: pqBools.get(size)}, nil
}

// close closes the column chunk's reader and recycles its arrays.
func (r *pqReader) close() {
	pqInt32s.put(r.idx)
	pqInt16s.put(r.defs)
	pqStrings.put(r.str)
	pqBools.put(r.strBad)
	pqInt64s.put(r.i64)
	pqByteArrs.put(r.ba)
	r.idx, r.defs, r.str, r.strBad, r.i64, r.ba = nil, nil, nil, nil, nil, nil
	if r.pages != nil {
		r.pages.close()
		return
	}
	r.cr.Close()
}

// finish checks that the column chunk ends with the row group's rows.
func (r *pqReader) finish(rows int64) error {
	if r.pages != nil {
		return r.pages.finish(rows)
	}
	if r.cr.HasNext() {
		return fmt.Errorf("the column chunk holds more values than the row group's %d rows", rows)
	}
	return r.cr.Err()
}

// convertPages takes the text a pqByteChunk read: the strings are already
// in Go memory and their UTF-8 checked.
func (cv *pqConverter) convertPages(k int, c *pqConvCol, r *pqReader, n int) {
	for i := 0; i < n; i++ {
		j := r.idx[i]
		if j < 0 {
			c.text[i] = ""
			continue
		}
		c.text[i] = r.str[j]
		if r.strBad[j] && cv.bad[i] == 0 {
			cv.bad[i] = k + 1
		}
	}
}

// pqByteChunk reads one BYTE_ARRAY column chunk page by page into a
// pqReader's str and strBad.
type pqByteChunk struct {
	pr         file.PageReader // nil once arrow is set
	maxDef     int16
	levelWidth int // bits of a definition level

	// A data page pqByteChunk does not read hands the rest of the column
	// chunk to arrow-go's reader (arrow), opened by openArrow, after it
	// skipped the rowsBefore rows of the pages already read.
	openArrow  func() (*file.ByteArrayColumnChunkReader, error)
	rowsBefore int64
	arrow      *file.ByteArrayColumnChunkReader
	arrowVals  []parquet.ByteArray
	arrowDefs  []int16

	// The dictionary: its entries share one buffer copied from the page,
	// which the batches' strings keep alive after the page is reused.
	hasDict bool
	dict    []string
	dictBad []bool // per entry: not valid UTF-8

	// The current data page. Its levels and indices point into arrow-go's
	// page buffer, valid until the next page is read.
	left    int // levels (rows) of the page not yet read
	defs    pqHybrid
	dictEnc bool     // the values are dictionary indices; PLAIN otherwise
	indices pqHybrid // dictEnc: the indices
	plain   []byte   // !dictEnc: the values not yet read, in a copy of the page of their own
	scratch []uint32 // levels, then indices, of one read
}

// read reads the next n rows into r.
func (c *pqByteChunk) read(r *pqReader, n int) error {
	if cap(c.scratch) < n {
		c.scratch = make([]uint32, n)
	}
	filled, nv := 0, 0
	for filled < n {
		if c.arrow != nil {
			return c.readArrow(r, n, filled, nv)
		}
		if c.left == 0 {
			if err := c.nextPage(); err != nil {
				if err == io.EOF {
					return fmt.Errorf("the column chunk ends %d rows short of the row group's rows", n-filled)
				}
				return err
			}
			continue
		}
		k := min(n-filled, c.left)
		idx := r.idx[filled : filled+k]
		m := k // values among the k rows
		if c.maxDef > 0 {
			levels := c.scratch[:k]
			if err := c.defs.decode(levels); err != nil {
				return fmt.Errorf("definition levels: %w", err)
			}
			m = 0
			top := uint32(c.maxDef)
			for i, d := range levels {
				switch {
				case d == top:
					idx[i] = int32(nv + m)
					m++
				case d < top:
					idx[i] = -1
				default:
					return fmt.Errorf("definition level %d is above the column's maximum %d", d, c.maxDef)
				}
			}
		} else {
			for i := range idx {
				idx[i] = int32(nv + i)
			}
		}
		if err := c.values(r.str[nv:nv+m], r.strBad[nv:nv+m]); err != nil {
			return err
		}
		c.left -= k
		filled += k
		nv += m
	}
	r.n = n
	return nil
}

// readArrow reads rows from..n of r's batch, whose first values are nv,
// through arrow-go's reader.
func (c *pqByteChunk) readArrow(r *pqReader, n, from, nv int) error {
	want := n - from
	if len(c.arrowVals) < want {
		c.arrowVals, c.arrowDefs = make([]parquet.ByteArray, len(r.str)), make([]int16, len(r.str))
	}
	var defs []int16
	if c.maxDef > 0 {
		defs = c.arrowDefs[:want]
	}
	total, nvals, err := c.arrow.ReadBatch(int64(want), c.arrowVals[:want], defs, nil)
	if err != nil {
		return err
	}
	if total != int64(want) {
		if err := c.arrow.Err(); err != nil {
			return err
		}
		return fmt.Errorf("the column chunk ends %d rows short of the row group's rows", int64(want)-total)
	}
	idx := r.idx[from:n]
	j := 0
	for i := range idx {
		if defs != nil && defs[i] != c.maxDef {
			idx[i] = -1
			continue
		}
		if j == nvals {
			return fmt.Errorf("the definition levels promise more values than the %d the page holds", nvals)
		}
		// ReadBatch cloned the values into buffers of their own
		s := pqString(c.arrowVals[j])
		r.str[nv+j], r.strBad[nv+j] = s, !utf8.ValidString(s)
		idx[i] = int32(nv + j)
		j++
	}
	if j != nvals {
		return fmt.Errorf("the definition levels promise %d values, the page holds %d", j, nvals)
	}
	r.n = n
	return nil
}

// toArrow hands the rest of the column chunk to arrow-go's reader.
func (c *pqByteChunk) toArrow() error {
	cr, err := c.openArrow()
	if err != nil {
		return err
	}
	if c.rowsBefore > 0 {
		if _, err := cr.Skip(c.rowsBefore); err != nil {
			cr.Close()
			return err
		}
	}
	c.pr.Close()
	c.pr, c.arrow = nil, cr
	return nil
}

func (c *pqByteChunk) close() {
	if c.pr != nil {
		c.pr.Close()
	}
	if c.arrow != nil {
		c.arrow.Close()
	}
}

// errPQNotMine: a data page pqByteChunk leaves to arrow-go's reader.
var errPQNotMine = errors.New("a page for arrow-go's reader")

// values reads the page's next len(str) values.
func (c *pqByteChunk) values(str []string, bad []bool) error {
	if len(str) == 0 {
		return nil
	}
	if c.dictEnc {
		ix := c.scratch[:len(str)]
		if err := c.indices.decode(ix); err != nil {
			return fmt.Errorf("dictionary indices: %w", err)
		}
		dict, dictBad := c.dict, c.dictBad
		for i, v := range ix {
			if v >= uint32(len(dict)) {
				return fmt.Errorf("dictionary index %d is out of range: the dictionary holds %d values", v, len(dict))
			}
			str[i], bad[i] = dict[v], dictBad[v]
		}
		return nil
	}
	b := c.plain
	for i := range str {
		s, rest, err := pqPlainValue(b)
		if err != nil {
			return err
		}
		str[i], bad[i] = s, !utf8.ValidString(s)
		b = rest
	}
	c.plain = b
	return nil
}

// pqPlainValue cuts the first PLAIN byte array (a 4-byte little-endian
// length, then the bytes) off b. The string shares b's memory.
func pqPlainValue(b []byte) (s string, rest []byte, err error) {
	if len(b) < 4 {
		return "", nil, errors.New("a PLAIN value is cut off before its length")
	}
	l := binary.LittleEndian.Uint32(b)
	if uint64(l) > uint64(len(b)-4) {
		return "", nil, fmt.Errorf("a PLAIN value of %d bytes runs past the end of its page (%d bytes left)", l, len(b)-4)
	}
	end := 4 + int(l)
	return pqString(b[4:end]), b[end:], nil
}

// nextPage moves to the next data page that holds values, reading a
// dictionary page on the way; io.EOF at the end of the column chunk.
func (c *pqByteChunk) nextPage() error {
	for c.pr.Next() {
		var err error
		switch p := c.pr.Page().(type) {
		case *file.DictionaryPage:
			err = c.setDict(p)
		case *file.DataPageV1:
			err = c.setDataV1(p)
		case *file.DataPageV2:
			err = c.setDataV2(p)
		}
		if err == errPQNotMine {
			return c.toArrow()
		}
		if err != nil {
			return err
		}
		if c.left > 0 {
			return nil
		}
	}
	if err := c.pr.Err(); err != nil {
		return err
	}
	return io.EOF
}

func (c *pqByteChunk) setDict(p *file.DictionaryPage) error {
	if c.hasDict {
		return errors.New("the column chunk holds more than one dictionary page")
	}
	switch enc := parquet.Encoding(p.Encoding()); enc {
	case parquet.Encodings.Plain, parquet.Encodings.PlainDict:
	default:
		return fmt.Errorf("the dictionary page is %s-encoded; dictionary values must be PLAIN", enc)
	}
	n := int(p.NumValues())
	data := p.Data()
	if n < 0 || n > len(data)/4 {
		return fmt.Errorf("a dictionary page of %d bytes cannot hold %d values", len(data), n)
	}
	// One copy for the whole dictionary; the entries' strings share it.
	b := bytes.Clone(data)
	c.dict, c.dictBad = make([]string, n), make([]bool, n)
	for i := range n {
		s, rest, err := pqPlainValue(b)
		if err != nil {
			return fmt.Errorf("dictionary page: %w", err)
		}
		c.dict[i], c.dictBad[i] = s, !utf8.ValidString(s)
		b = rest
	}
	c.hasDict = true
	return nil
}

// pageBody returns a data page's body and its number of values, checking
// the body is as long as the header says.
func pageBody(p file.DataPage) (data []byte, n int, err error) {
	data = p.Data()
	if len(data) != int(p.UncompressedSize()) {
		return nil, 0, fmt.Errorf("a data page holds %d bytes, its header says %d", len(data), p.UncompressedSize())
	}
	return data, int(p.NumValues()), nil
}

func (c *pqByteChunk) setDataV1(p *file.DataPageV1) error {
	data, n, err := pageBody(p)
	if err != nil || n == 0 {
		return err
	}
	if c.maxDef > 0 {
		switch enc := p.DefinitionLevelEncoding(); enc {
		case parquet.Encodings.RLE:
			if len(data) < 4 {
				return errors.New("a data page is too short for its definition levels")
			}
			l := binary.LittleEndian.Uint32(data)
			if uint64(l) > uint64(len(data)-4) {
				return fmt.Errorf("definition levels of %d bytes run past the end of their page", l)
			}
			end := 4 + int(l)
			if err := c.defs.reset(data[4:end], c.levelWidth); err != nil {
				return err
			}
			data = data[end:]
		case parquet.Encodings.BitPacked:
			size := (uint64(n)*uint64(c.levelWidth) + 7) / 8
			if size > uint64(len(data)) {
				return errors.New("a data page is too short for its definition levels")
			}
			if err := c.defs.resetPacked(data[:size], c.levelWidth, n); err != nil {
				return err
			}
			data = data[size:]
		default:
			return errPQNotMine
		}
	}
	return c.setValues(parquet.Encoding(p.Encoding()), data, n)
}

func (c *pqByteChunk) setDataV2(p *file.DataPageV2) error {
	data, n, err := pageBody(p)
	if err != nil || n == 0 {
		return err
	}
	rep, def := int64(p.RepetitionLevelByteLen()), int64(p.DefinitionLevelByteLen())
	if rep < 0 || def < 0 || rep+def > int64(len(data)) {
		return fmt.Errorf("levels of %d+%d bytes in a data page of %d bytes", rep, def, len(data))
	}
	// Repetition levels are skipped: some writers write them for flat
	// columns too (ARROW-17453).
	if c.maxDef > 0 {
		if err := c.defs.reset(data[rep:rep+def], c.levelWidth); err != nil {
			return err
		}
	}
	return c.setValues(parquet.Encoding(p.Encoding()), data[rep+def:], n)
}

// setValues starts the page's values, n levels of them.
func (c *pqByteChunk) setValues(enc parquet.Encoding, data []byte, n int) error {
	switch enc {
	case parquet.Encodings.Plain:
		c.dictEnc = false
		// The page buffer is reused for the next page: the values' strings
		// need a copy of their own.
		c.plain = bytes.Clone(data)
	case parquet.Encodings.PlainDict, parquet.Encodings.RLEDict:
		if !c.hasDict {
			// arrow-go looks for the dictionary page where the metadata
			// says it is
			return errPQNotMine
		}
		c.dictEnc = true
		width := 0
		if len(data) > 0 {
			width, data = int(data[0]), data[1:]
		}
		if err := c.indices.reset(data, width); err != nil {
			return fmt.Errorf("dictionary indices: %w", err)
		}
	default:
		return errPQNotMine
	}
	c.left = n
	c.rowsBefore += int64(n)
	return nil
}

// finish checks that no values are left past the row group's rows.
func (c *pqByteChunk) finish(rows int64) error {
	if c.arrow != nil {
		if c.arrow.HasNext() {
			return fmt.Errorf("the column chunk holds more values than the row group's %d rows", rows)
		}
		return c.arrow.Err()
	}
	if c.left > 0 {
		return fmt.Errorf("the column chunk holds more values than the row group's %d rows", rows)
	}
	switch err := c.nextPage(); err {
	case io.EOF:
		return nil
	case nil:
		return fmt.Errorf("the column chunk holds more values than the row group's %d rows", rows)
	default:
		return err
	}
}

// pqBytesOf returns a string's bytes, to be read only.
func pqBytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
