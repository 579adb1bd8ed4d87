package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
	xlocal "github.com/xitongsys/parquet-go-source/local"
	xparquet "github.com/xitongsys/parquet-go/parquet"
	xwriter "github.com/xitongsys/parquet-go/writer"

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
	} else if !reflect.DeepEqual(old, got) {
		t.Errorf("Open/Decode reads differently by pages")
	}
	if gotErr != nil {
		var re *record.Error
		if !errors.As(gotErr, &re) || re.File != path {
			t.Errorf("the error is not a *record.Error naming the file: %v", gotErr)
		}
	}
}

// pqOpenOptions maps the required fields as pqCheckOpen does.
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
			fw, err := xlocal.NewLocalFileWriter(path)
			if err != nil {
				t.Fatal(err)
			}
			pw, err := xwriter.NewParquetWriter(fw, new(row), 1)
			if err != nil {
				t.Fatal(err)
			}
			pw.RowGroupSize = 64 << 10
			pw.PageSize = pageSize
			pw.CompressionType = xparquet.CompressionCodec_SNAPPY
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
				if err := pw.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := pw.WriteStop(); err != nil {
				t.Fatal(err)
			}
			fw.Close()
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
