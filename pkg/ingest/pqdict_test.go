package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/samplegen"
)

// pqColumnRead is one column chunk as a reader saw it.
type pqColumnRead struct {
	vals  []string // "" for a null
	nulls []bool
	bad   []bool // not valid UTF-8
	err   error
	// by pages: a dictionary page was read; the chunk was handed to
	// arrow-go's reader part way
	dict, handed bool
}

// pqReadChunk reads one column chunk in batches of size rows, page by page
// (pages) or through arrow-go's column chunk reader.
func pqReadChunk(rg *file.RowGroupReader, col *pqCol, size int, pages bool) (out pqColumnRead) {
	defer func() {
		if r := recover(); r != nil {
			out.err = fmt.Errorf("panic: %v", r)
		}
	}()
	rows := rg.NumRows()
	size = int(min(int64(size), max(rows, 1)))
	var r *pqReader
	if pages {
		var err error
		if r, err = newPQPageReader(rg, col, size); err != nil {
			return pqColumnRead{err: err}
		}
		defer func() { out.dict, out.handed = r.pages.hasDict, r.pages.arrow != nil }()
	} else {
		cr, err := rg.Column(col.leaf)
		if err != nil {
			return pqColumnRead{err: err}
		}
		r = newPQReader(col, cr, size)
	}
	defer r.close()
	for done := int64(0); done < rows; {
		n := int(min(int64(size), rows-done))
		if err := r.read(n); err != nil {
			out.err = err
			return out
		}
		for i := 0; i < n; i++ {
			j := r.idx[i]
			if j < 0 {
				out.vals, out.nulls, out.bad = append(out.vals, ""), append(out.nulls, true), append(out.bad, false)
				continue
			}
			b := r.bytesAt(j)
			bad := !utf8.Valid(b)
			if r.strBad != nil && r.strBad[j] != bad {
				out.err = fmt.Errorf("row %d: the UTF-8 flag says %v for %q", done+int64(i)+1, r.strBad[j], b)
				return out
			}
			out.vals, out.nulls, out.bad = append(out.vals, string(b)), append(out.nulls, false), append(out.bad, bad)
		}
		done += int64(n)
	}
	out.err = r.finish(rows)
	return out
}

// pqSame compares the values, nulls and UTF-8 verdicts of two reads.
func pqSame(a, b pqColumnRead) bool {
	return reflect.DeepEqual([3]any{a.vals, a.nulls, a.bad}, [3]any{b.vals, b.nulls, b.bad})
}

// pqDiffStats counts what a differential comparison covered.
type pqDiffStats struct {
	chunks, rows   int
	dictChunks     int // with a dictionary page
	plainChunks    int // without
	fallbackChunks int // a dictionary, then PLAIN pages (by the encoding statistics)
	handedChunks   int // handed to arrow-go's reader part way
}

func (s *pqDiffStats) add(o pqDiffStats) {
	s.chunks += o.chunks
	s.rows += o.rows
	s.dictChunks += o.dictChunks
	s.plainChunks += o.plainChunks
	s.fallbackChunks += o.fallbackChunks
	s.handedChunks += o.handedChunks
}

// pqDiffColumns reads every column chunk pqByteChunk takes both ways, in
// batches of several sizes, and requires the same values, nulls and UTF-8
// verdicts; an error on one side must be an error on the other.
func pqDiffColumns(t *testing.T, path string) (st pqDiffStats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	pqf, err := openPQ(path, newPQHandle(f, "", fi.Size()))
	if err != nil {
		t.Logf("not compared: %v", err)
		return st
	}
	defer pqf.h.release()
	md := pqf.pf.MetaData()
	for g := 0; g < md.NumRowGroups(); g++ {
		rg := pqf.pf.RowGroup(g)
		for i := range pqf.cols {
			col := &pqf.cols[i]
			if col.nested != "" || col.bad != "" {
				continue
			}
			cc, err := rg.MetaData().ColumnChunk(col.leaf)
			if err != nil || !pqPagesReadable(col, cc) {
				continue
			}
			st.chunks++
			st.rows += int(rg.NumRows())
			var dictPage, dictData, plainData bool
			for _, es := range cc.EncodingStats() {
				switch {
				case es.PageType == file.PageTypeDictionaryPage:
					dictPage = true
				case es.Encoding == parquet.Encodings.Plain:
					plainData = true
				default:
					dictData = true
				}
			}
			if dictPage && dictData && plainData {
				st.fallbackChunks++
			}
			for n, size := range []int{1, 7, 1000, 8192} {
				old := pqReadChunk(rg, col, size, false)
				got := pqReadChunk(rg, col, size, true)
				if n == 0 {
					switch {
					case got.dict:
						st.dictChunks++
					default:
						st.plainChunks++
					}
					if got.handed {
						st.handedChunks++
					}
				}
				where := fmt.Sprintf("row group %d, column %q, batches of %d", g+1, col.name, size)
				if (old.err != nil) != (got.err != nil) {
					t.Errorf("%s: arrow-go's reader: %v; by pages: %v", where, old.err, got.err)
					continue
				}
				if old.err != nil {
					t.Logf("%s: both fail: %v / %v", where, old.err, got.err)
					continue
				}
				if !pqSame(old, got) {
					for r := range old.vals {
						if old.vals[r] != got.vals[r] || old.nulls[r] != got.nulls[r] || old.bad[r] != got.bad[r] {
							t.Errorf("%s, row %d: arrow-go's reader %q (null %v), by pages %q (null %v)", where, r+1, old.vals[r], old.nulls[r], got.vals[r], got.nulls[r])
							break
						}
					}
					if len(old.vals) != len(got.vals) {
						t.Errorf("%s: %d rows, by pages %d", where, len(old.vals), len(got.vals))
					}
				}
			}
		}
	}
	return st
}

// pqDiffWhole reads the file through ReadParquetRaw (every column as
// display text) and through Open/Decode both ways and requires the same
// result.
func pqDiffWhole(t *testing.T, path string, opts *Options) {
	t.Helper()
	both := func(f func() (any, error)) (old, got any, oldErr, gotErr error) {
		pqPagesOff = true
		old, oldErr = f()
		pqPagesOff = false
		got, gotErr = f()
		return
	}
	raw := func() (any, error) {
		cols, rows, err := ReadParquetRaw(path)
		return [2]any{cols, rows}, err
	}
	old, got, oldErr, gotErr := both(raw)
	if (oldErr != nil) != (gotErr != nil) || oldErr != nil && record.KindOf(oldErr) != record.KindOf(gotErr) {
		t.Errorf("ReadParquetRaw: arrow-go's reader: %v; by pages: %v", oldErr, gotErr)
	} else if !reflect.DeepEqual(old, got) {
		t.Errorf("ReadParquetRaw reads differently by pages")
	}
	decode := func() (any, error) {
		_, bs, err := readAll(t, path, opts)
		return bs, err
	}
	old, got, oldErr, gotErr = both(decode)
	if (oldErr != nil) != (gotErr != nil) || oldErr != nil && record.KindOf(oldErr) != record.KindOf(gotErr) {
		t.Errorf("Open/Decode: arrow-go's reader: %v; by pages: %v", oldErr, gotErr)
	} else if !sameBatches(old.([]*record.Batch), got.([]*record.Batch)) {
		t.Errorf("Open/Decode reads differently by pages")
	}
	if gotErr != nil {
		var re *record.Error
		if !errors.As(gotErr, &re) || re.File != path {
			t.Errorf("the error is not a *record.Error naming the file: %v", gotErr)
		}
	}
}

// pqOpenOptions maps the required fields onto flat columns of the file
// (txn_time and amount on typed columns when there are some).
func pqOpenOptions(path string) *Options {
	opts := &Options{}
	tcol, acol, ocol := pqPickColumns(path)
	if ocol != "" {
		opts.Columns = map[record.Field]string{}
		for _, f := range Required {
			opts.Columns[f] = ocol
		}
		if tcol != "" {
			opts.Columns[record.TxnTime] = tcol
		}
		if acol != "" {
			opts.Columns[record.Amount] = acol
		}
	}
	return opts
}

// TestPQPagesConformance: every valid flat file of the corpus reads the
// same page by page as through arrow-go's reader, and so does every other
// file: the corrupt ones must fail both ways.
func TestPQPagesConformance(t *testing.T) {
	if _, err := os.Stat(pqConformanceDir); err != nil {
		t.Skipf("conformance corpus not found: %v", err)
	}
	var total pqDiffStats
	for rel, want := range pqExpectations {
		path := filepath.Join(pqConformanceDir, filepath.FromSlash(rel))
		t.Run(rel, func(t *testing.T) {
			pqRun(t, rel, 20*time.Second, func() error {
				total.add(pqDiffColumns(t, path))
				if want.rows >= 0 && !want.lenient {
					pqDiffWhole(t, path, pqOpenOptions(path))
				}
				return nil
			})
		})
	}
	t.Logf("compared %+v", total)
	if total.dictChunks == 0 || total.plainChunks == 0 {
		t.Errorf("the corpus exercised too little: %+v", total)
	}
}

// pqTestRecord builds rows of text columns: few distinct values with
// nulls, many distinct ones (a dictionary outgrows its limit), bytes
// that are not UTF-8, a required column, an all-null column, and long and
// empty values.
func pqTestRecord(rows int) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "merchant_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "terminal_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "resp_msg", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "resp_code", Type: arrow.BinaryTypes.String},
		{Name: "blank", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "long", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	merchant := b.Field(0).(*array.StringBuilder)
	terminal := b.Field(1).(*array.StringBuilder)
	msg := b.Field(2).(*array.BinaryBuilder)
	code := b.Field(3).(*array.StringBuilder)
	blank := b.Field(4).(*array.StringBuilder)
	long := b.Field(5).(*array.StringBuilder)
	msgs := [][]byte{[]byte("余额不足"), []byte("ok"), {0xff, 0xfe, 'x'}, []byte("交易失败"), {'a', 0xc3}}
	for i := range rows {
		if i%10 == 3 {
			merchant.AppendNull()
		} else {
			merchant.Append(fmt.Sprintf("M%03d 商户", i*7%53))
		}
		if i%17 == 0 {
			terminal.AppendNull()
		} else {
			terminal.Append(fmt.Sprintf("T%07d", i*7919%997))
		}
		switch {
		case i%13 == 0:
			msg.AppendNull()
		case i%101 == 0:
			msg.Append([]byte{0xe4, 0xbd, byte(i)}) // unique, mostly not UTF-8
		default:
			msg.Append(msgs[i%len(msgs)])
		}
		code.Append([]string{"00", "51", "05", "", "ACQ.BUYER_BALANCE_NOT_ENOUGH"}[i%5])
		blank.AppendNull()
		switch {
		case i%29 == 0:
			long.AppendNull()
		case i%31 == 0:
			long.Append(strings.Repeat(fmt.Sprintf("long value %d ", i), 200))
		default:
			long.Append("")
		}
	}
	return b.NewRecordBatch()
}

// pqWriteSlices writes the record rows at a time, so the writer checks
// its dictionary's size between them.
func pqWriteSlices(t *testing.T, rec arrow.RecordBatch, rows int64, props []parquet.WriterProperty) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "export.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	for at := int64(0); at < rec.NumRows(); at += rows {
		part := rec.NewSlice(at, min(at+rows, rec.NumRows()))
		err := w.WriteBuffered(part)
		part.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil { // closes f too
		t.Fatal(err)
	}
	return p
}

// TestPQPagesGenerated writes the same rows with arrow-go's writer in many
// layouts and with a foreign writer, and compares the two ways of reading.
func TestPQPagesGenerated(t *testing.T) {
	rec := pqTestRecord(5000)
	defer rec.Release()
	codecs := []compress.Compression{compress.Codecs.Snappy, compress.Codecs.Uncompressed, compress.Codecs.Zstd, compress.Codecs.Gzip}
	k := 0
	var total pqDiffStats
	for _, dict := range []bool{true, false} {
		for _, v2 := range []bool{false, true} {
			// 0: the default page size (1 MiB); 64 bytes: a page every
			// batch of 16 values, thousands of pages per chunk
			for _, page := range []int64{0, 1024, 64} {
				codec := codecs[k%len(codecs)]
				k++
				name := fmt.Sprintf("dict=%v/v2=%v/page=%d/%s", dict, v2, page, codec)
				t.Run(name, func(t *testing.T) {
					props := []parquet.WriterProperty{
						parquet.WithDictionaryDefault(dict),
						parquet.WithDictionaryPageSizeLimit(2048), // terminal_id falls back to PLAIN
						parquet.WithCompression(codec),
						parquet.WithMaxRowGroupLength(1800),
					}
					for _, f := range rec.Schema().Fields() {
						// uncompressed, arrow-go drops a dictionary that does
						// not pay; the outgrown one is what is wanted here
						props = append(props, parquet.WithDictionaryCostFallbackFor(f.Name, false))
					}
					if v2 {
						props = append(props, parquet.WithDataPageVersion(parquet.DataPageV2))
					}
					if page > 0 {
						props = append(props, parquet.WithDataPageSize(page), parquet.WithBatchSize(16))
					}
					path := pqWriteSlices(t, rec, 256, props)
					st := pqDiffColumns(t, path)
					if st.chunks != 6*3 {
						t.Errorf("%d column chunks read by pages, want 18", st.chunks)
					}
					if dict && page > 0 && st.fallbackChunks == 0 {
						t.Errorf("no dictionary fell back to PLAIN: %+v", st)
					}
					total.add(st)
					pqDiffWhole(t, path, &Options{Columns: map[record.Field]string{
						record.TxnTime: "terminal_id", record.MerchantID: "merchant_id", record.TerminalModel: "long",
						record.Amount: "resp_code", record.RespCode: "resp_code", record.RespMsg: "resp_msg",
					}})
				})
			}
		}
	}
	t.Logf("compared %+v", total)

	t.Run("xitongsys", func(t *testing.T) {
		type row struct {
			Merchant string  `parquet:"name=merchant_id, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY"`
			Terminal *string `parquet:"name=terminal_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL, encoding=PLAIN_DICTIONARY"`
			Msg      *string `parquet:"name=resp_msg, type=BYTE_ARRAY, repetitiontype=OPTIONAL"`
			Code     string  `parquet:"name=resp_code, type=BYTE_ARRAY, convertedtype=UTF8"`
			Delta    *string `parquet:"name=delta, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL, encoding=DELTA_LENGTH_BYTE_ARRAY"`
		}
		for _, pageSize := range []int64{8 << 10, 100} {
			path := filepath.Join(t.TempDir(), "foreign.parquet")
			var rows []row
			for i := range 3000 {
				r := row{Merchant: fmt.Sprintf("M%02d", i%40), Code: []string{"00", "51", "05"}[i%3]}
				if i%7 != 0 {
					s := fmt.Sprintf("T%05d", i%900)
					r.Terminal = &s
				}
				if i%5 != 0 {
					s := []string{"余额不足", "ok", "\xff\xfe", ""}[i%4]
					r.Msg = &s
				}
				if i%3 != 0 {
					s := fmt.Sprint(i)
					r.Delta = &s
				}
				rows = append(rows, r)
			}
			writeForeign(t, path, 64<<10, pageSize, rows)
			// The metadata leaves DELTA_LENGTH_BYTE_ARRAY out: the delta
			// column's chunks are handed to arrow-go's reader.
			st := pqDiffColumns(t, path)
			if st.dictChunks == 0 || st.plainChunks == 0 || st.handedChunks == 0 {
				t.Errorf("page size %d: too little read by pages: %+v", pageSize, st)
			}
			t.Logf("page size %d: compared %+v", pageSize, st)
			pqDiffWhole(t, path, &Options{Columns: map[record.Field]string{
				record.TxnTime: "terminal_id", record.MerchantID: "merchant_id", record.TerminalModel: "delta",
				record.Amount: "resp_code", record.RespCode: "resp_code", record.RespMsg: "resp_msg",
			}})
		}
	})

	t.Run("samplegen", func(t *testing.T) {
		var buf bytes.Buffer
		if err := samplegen.Write(&buf, samplegen.Options{Rows: 20000, Seed: 5, Format: samplegen.FormatParquet}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "export.parquet")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if st := pqDiffColumns(t, path); st.dictChunks == 0 || st.plainChunks == 0 {
			t.Errorf("too little read by pages: %+v", st)
		}
		pqDiffWhole(t, path, &Options{})
	})
}

// pqFakePages hands out pages built by a test.
type pqFakePages struct {
	pages []file.Page
	cur   file.Page
}

func (f *pqFakePages) SetMaxPageHeaderSize(int) {}
func (f *pqFakePages) Page() file.Page          { return f.cur }
func (f *pqFakePages) Err() error               { return nil }
func (f *pqFakePages) Reset(parquet.BufferedReader, int64, compress.Compression, *file.CryptoContext) {
}
func (f *pqFakePages) GetDictionaryPage() (*file.DictionaryPage, error) { return nil, nil }
func (f *pqFakePages) SeekToPageWithRow(int64) error                    { return nil }
func (f *pqFakePages) Close() error                                     { return nil }
func (f *pqFakePages) Next() bool {
	if len(f.pages) == 0 {
		return false
	}
	f.cur, f.pages = f.pages[0], f.pages[1:]
	return true
}

func pqPlainBytes(vals ...string) []byte {
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return b
}

// pqLevelsV1 is an RLE level region of a data page v1: its length, then
// the runs.
func pqLevelsV1(width int, runs ...pqTestRun) []byte {
	r := pqEncodeHybrid(width, runs)
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(r))), r...)
}

func pqDictPage(enc parquet.Encoding, vals ...string) file.Page {
	return file.NewDictionaryPage(memory.NewBufferBytes(pqPlainBytes(vals...)), int32(len(vals)), enc)
}

func pqV1(n int, enc, defEnc parquet.Encoding, parts ...[]byte) file.Page {
	b := bytes.Join(parts, nil)
	return file.NewDataPageV1(memory.NewBufferBytes(b), int32(n), enc, defEnc, parquet.Encodings.RLE, int32(len(b)))
}

func pqV2(n int, enc parquet.Encoding, rep, def, vals []byte) file.Page {
	b := bytes.Join([][]byte{rep, def, vals}, nil)
	return file.NewDataPageV2(memory.NewBufferBytes(b), int32(n), 0, int32(n), enc, int32(len(def)), int32(len(rep)), int32(len(b)), false)
}

// pqIndices is a dictionary-encoded value region: the bit width, then the runs.
func pqIndices(width int, runs ...pqTestRun) []byte {
	return append([]byte{byte(width)}, pqEncodeHybrid(width, runs)...)
}

func pqRLE(v uint32, n int) pqTestRun {
	r := pqTestRun{rle: true}
	for range n {
		r.values = append(r.values, v)
	}
	return r
}

func pqPacked(vals ...uint32) pqTestRun { return pqTestRun{values: vals} }

// TestPQByteChunkPages feeds pqByteChunk hand-made pages: the layouts it
// reads, and corrupt ones it must refuse with an error (never a panic).
func TestPQByteChunkPages(t *testing.T) {
	const null = "<null>"
	rd, pd := parquet.Encodings.RLEDict, parquet.Encodings.PlainDict
	plain, rle, bp := parquet.Encodings.Plain, parquet.Encodings.RLE, parquet.Encodings.BitPacked
	dict := pqDictPage(plain, "a", "bb", "\xff", "")
	for _, tc := range []struct {
		name   string
		maxDef int16
		rows   int
		pages  []file.Page
		want   []string // values, null for a null; nil when an error is wanted
		bad    []int    // rows whose text is not UTF-8
		err    string
	}{
		{name: "dictionary, v1, nulls", maxDef: 1, rows: 6,
			pages: []file.Page{dict, pqV1(6, rd, rle, pqLevelsV1(1, pqPacked(1, 0, 1, 1, 1, 0)), pqIndices(2, pqPacked(1, 0, 3, 2)))},
			want:  []string{"bb", null, "a", "", "\xff", null}, bad: []int{4}},
		{name: "dictionary, v2, repetition levels skipped", maxDef: 1, rows: 4,
			pages: []file.Page{pqDictPage(pd, "x", "y"), pqV2(4, pd, []byte{9, 9}, pqEncodeHybrid(1, []pqTestRun{pqPacked(1, 1, 0, 1)}), pqIndices(1, pqRLE(1, 3)))},
			want:  []string{"y", "y", null, "y"}},
		{name: "required, several pages, PLAIN fallback", maxDef: 0, rows: 5,
			pages: []file.Page{dict, pqV1(2, rd, rle, pqIndices(2, pqRLE(0, 2))), pqV1(0, plain, rle), pqV1(3, plain, rle, pqPlainBytes("p", "", "q\xc3"))},
			want:  []string{"a", "a", "p", "", "q\xc3"}, bad: []int{4}},
		{name: "BIT_PACKED levels", maxDef: 1, rows: 3,
			pages: []file.Page{pqV1(3, plain, bp, []byte{0b101}, pqPlainBytes("u", "v"))},
			want:  []string{"u", null, "v"}},
		{name: "all null, no index data", maxDef: 1, rows: 2,
			pages: []file.Page{dict, pqV1(2, rd, rle, pqLevelsV1(1, pqRLE(0, 2)))},
			want:  []string{null, null}},
		{name: "index out of range", maxDef: 0, rows: 2, err: "dictionary index 4 is out of range",
			pages: []file.Page{dict, pqV1(2, rd, rle, pqIndices(3, pqPacked(1, 4)))}},
		{name: "bit width 33", maxDef: 0, rows: 1, err: "bit width 33",
			pages: []file.Page{dict, pqV1(1, rd, rle, []byte{33, 2, 0, 0, 0, 0, 0})}},
		{name: "indices cut off", maxDef: 0, rows: 9, err: "dictionary indices",
			pages: []file.Page{dict, pqV1(9, rd, rle, pqIndices(2, pqPacked(1, 2, 3, 0, 1, 2, 3, 0))[:2])}},
		{name: "levels cut off", maxDef: 1, rows: 3, err: "definition levels",
			pages: []file.Page{dict, pqV1(3, rd, rle, pqLevelsV1(1, pqRLE(1, 2)), pqIndices(1, pqRLE(0, 3)))}},
		{name: "level length past the page", maxDef: 1, rows: 1, err: "run past the end",
			pages: []file.Page{pqV1(1, plain, rle, []byte{200, 0, 0, 0, 2, 1})}},
		{name: "level above the maximum", maxDef: 1, rows: 2, err: "definition level 2",
			pages: []file.Page{dict, pqV1(2, rd, rle, pqLevelsV1(1, pqRLE(2, 2)), pqIndices(1, pqRLE(0, 2)))}},
		{name: "PLAIN value past the page", maxDef: 0, rows: 2, err: "runs past the end",
			pages: []file.Page{pqV1(2, plain, rle, pqPlainBytes("ok"), []byte{50, 0, 0, 0, 'x'})}},
		{name: "PLAIN length cut off", maxDef: 0, rows: 2, err: "cut off",
			pages: []file.Page{pqV1(2, plain, rle, pqPlainBytes("ok"), []byte{1, 0})}},
		{name: "two dictionaries", maxDef: 0, rows: 2, err: "more than one dictionary",
			pages: []file.Page{dict, pqV1(1, rd, rle, pqIndices(1, pqRLE(0, 1))), dict, pqV1(1, rd, rle, pqIndices(1, pqRLE(0, 1)))}},
		{name: "dictionary not PLAIN", maxDef: 0, rows: 1, err: "must be PLAIN",
			pages: []file.Page{pqDictPage(rd, "a"), pqV1(1, rd, rle, pqIndices(1, pqRLE(0, 1)))}},
		{name: "dictionary values cut off", maxDef: 0, rows: 1, err: "dictionary page",
			pages: []file.Page{file.NewDictionaryPage(memory.NewBufferBytes(pqPlainBytes("abc", "de")[:9]), 2, plain), pqV1(1, rd, rle, pqIndices(1, pqRLE(0, 1)))}},
		{name: "too few rows", maxDef: 0, rows: 3, err: "1 rows short",
			pages: []file.Page{pqV1(2, plain, rle, pqPlainBytes("a", "b"))}},
		{name: "too many rows", maxDef: 0, rows: 2, err: "more values than the row group's 2 rows",
			pages: []file.Page{pqV1(1, plain, rle, pqPlainBytes("a")), pqV1(2, plain, rle, pqPlainBytes("b", "c"))}},
		{name: "a page after the rows", maxDef: 0, rows: 1, err: "more values than the row group's 1 rows",
			pages: []file.Page{pqV1(1, plain, rle, pqPlainBytes("a")), pqV1(1, plain, rle, pqPlainBytes("b"))}},
		{name: "indices before the dictionary go to arrow-go", maxDef: 0, rows: 1, err: "arrow-go's reader asked for after 0 rows",
			pages: []file.Page{pqV1(1, rd, rle, pqIndices(1, pqRLE(0, 1)))}},
		{name: "DELTA page goes to arrow-go", maxDef: 0, rows: 3, err: "arrow-go's reader asked for after 2 rows",
			pages: []file.Page{pqV1(2, plain, rle, pqPlainBytes("a", "b")), pqV1(1, parquet.Encodings.DeltaLengthByteArray, rle, []byte{1, 2, 3})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1, 2, 64} {
				col := &pqCol{name: "c", kind: pqBytes, phys: parquet.Types.ByteArray, maxDef: tc.maxDef}
				c := &pqByteChunk{pr: &pqFakePages{pages: slices.Clone(tc.pages)}, maxDef: tc.maxDef, levelWidth: bits.Len16(uint16(tc.maxDef))}
				c.openArrow = func() (*file.ByteArrayColumnChunkReader, error) {
					return nil, fmt.Errorf("arrow-go's reader asked for after %d rows", c.rowsBefore)
				}
				r := &pqReader{col: col, idx: make([]int32, size), pages: c, str: make([]string, size), strBad: make([]bool, size)}
				var got []string
				var bad []int
				err := func() (err error) {
					defer func() {
						if p := recover(); p != nil {
							err = fmt.Errorf("PANIC %v", p)
						}
					}()
					for done := 0; done < tc.rows; {
						n := min(size, tc.rows-done)
						if err := r.read(n); err != nil {
							return err
						}
						for i := range n {
							if j := r.idx[i]; j < 0 {
								got = append(got, null)
							} else {
								if r.strBad[j] {
									bad = append(bad, done+i)
								}
								got = append(got, r.str[j])
							}
						}
						done += n
					}
					return r.finish(int64(tc.rows))
				}()
				if tc.err != "" {
					if err == nil || !strings.Contains(err.Error(), tc.err) {
						t.Fatalf("batches of %d: error %v, want one saying %q", size, err, tc.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("batches of %d: %v", size, err)
				}
				if !slices.Equal(got, tc.want) || !slices.Equal(bad, tc.bad) {
					t.Fatalf("batches of %d: %q (not UTF-8: %v), want %q (%v)", size, got, bad, tc.want, tc.bad)
				}
			}
		})
	}
}

// TestPQPagesCorrupt overwrites every other byte of the text column
// chunks of small uncompressed files in turn (the odd ones in one file,
// the even ones in the other): reading never panics or hangs, a
// failure is a *record.Error naming the file (and the column, for a fault
// in a row group), and page by page fails where arrow-go's reader fails
// or reads what it reads. (arrow-go's page reader itself panics on some
// corrupt page headers, both ways; Decode turns that into an error naming
// the file and row group.)
func TestPQPagesCorrupt(t *testing.T) {
	rec := pqTestRecord(60)
	defer rec.Release()
	opts := &Options{Columns: map[record.Field]string{
		record.TxnTime: "terminal_id", record.MerchantID: "merchant_id", record.TerminalModel: "long",
		record.Amount: "resp_code", record.RespCode: "resp_code", record.RespMsg: "resp_msg",
	}}
	for _, v2 := range []bool{false, true} {
		props := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDataPageSize(256), parquet.WithBatchSize(16)}
		for _, f := range rec.Schema().Fields() {
			props = append(props, parquet.WithDictionaryCostFallbackFor(f.Name, false))
		}
		if v2 {
			props = append(props, parquet.WithDataPageVersion(parquet.DataPageV2))
		}
		path := pqWriteSlices(t, rec, 20, props)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The byte range of the text columns' chunks (the first three).
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			t.Fatal(err)
		}
		cc0, _ := pf.MetaData().RowGroup(0).ColumnChunk(0)
		cc2, _ := pf.MetaData().RowGroup(0).ColumnChunk(2)
		from := cc0.DataPageOffset()
		if cc0.HasDictionaryPage() && cc0.DictionaryPageOffset() > 0 {
			from = min(from, cc0.DictionaryPageOffset())
		}
		to := cc2.DataPageOffset() + cc2.TotalCompressedSize()
		pf.Close()
		var failed, same, read int
		for at := from; at < to; at++ {
			if (at%2 == 0) == v2 {
				continue
			}
			data := slices.Clone(orig)
			if data[at] ^= 0x21; at%4 < 2 && orig[at] != 0xff {
				data[at] = 0xff
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var oldBs, gotBs []*record.Batch
			var oldErr, gotErr error
			ok := true
			for _, off := range []bool{true, false} {
				pqPagesOff = off
				_, ok2 := pqRun(t, fmt.Sprintf("byte %d", at), 10*time.Second, func() error {
					_, bs, err := readAll(t, path, opts)
					if off {
						oldBs, oldErr = bs, err
					} else {
						gotBs, gotErr = bs, err
					}
					return nil
				})
				ok = ok && ok2
			}
			pqPagesOff = false
			if !ok {
				return
			}
			if gotErr != nil {
				failed++
				var re *record.Error
				if !errors.As(gotErr, &re) || re.File != path {
					t.Fatalf("byte %d: the error is not a *record.Error naming the file: %v", at, gotErr)
				}
				panicked := strings.Contains(gotErr.Error(), "decoder failed")
				if strings.Contains(gotErr.Error(), "row group") && re.Column == "" {
					t.Errorf("byte %d: a fault in a row group names no column: %v", at, gotErr)
				}
				if panicked && oldErr == nil {
					t.Errorf("byte %d: a panic page by page where arrow-go's reader reads: %v", at, gotErr)
				}
				continue
			}
			if oldErr == nil {
				if !sameBatches(oldBs, gotBs) {
					t.Errorf("byte %d: both read, differently", at)
				}
				same++
			} else {
				read++
				t.Logf("byte %d: read page by page; arrow-go's reader: %v", at, oldErr)
			}
		}
		t.Logf("v2=%v: bytes %d-%d: %d failed, %d read alike, %d read where arrow-go's reader failed", v2, from, to, failed, same, read)
	}
}
