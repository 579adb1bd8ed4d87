package partial

import (
	"context"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// batchRows is the rows per record batch written and read: big enough
// that per-batch costs vanish, small enough that a file of millions of
// combos never sits in memory whole.
const batchRows = 64 * 1024

var (
	tString = arrow.BinaryTypes.String
	tInt64  = arrow.PrimitiveTypes.Int64
	tTime   = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

func field(name string, t arrow.DataType) arrow.Field { return arrow.Field{Name: name, Type: t} }

// countFields are the columns after the key columns of combos.parquet and
// by_*.parquet: approved, pending, declines, then declines_<cause> and
// amount_<cause> for every cause in catalogue order.
func countFields() []arrow.Field {
	fs := []arrow.Field{field("approved", tInt64), field("pending", tInt64), field("declines", tInt64)}
	for _, o := range record.Causes() {
		fs = append(fs, field("declines_"+o.String(), tInt64))
	}
	for _, o := range record.Causes() {
		fs = append(fs, field("amount_"+o.String(), tInt64))
	}
	return fs
}

// pqWriter writes rows to a Parquet file (snappy, all columns required),
// one record batch at a time.
type pqWriter struct {
	path string
	f    *os.File
	fw   *pqarrow.FileWriter
	rb   *array.RecordBuilder
	n    int   // rows in rb
	rows int64 // rows written
	col  int   // the next column of the current row
}

func newPQWriter(path string, sc *arrow.Schema) (*pqWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	mem := memory.NewGoAllocator()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true),
		parquet.WithMaxRowGroupLength(1<<20))
	fw, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		f.Close()
		return nil, err
	}
	return &pqWriter{path: path, f: f, fw: fw, rb: array.NewRecordBuilder(mem, sc)}, nil
}

func (w *pqWriter) str(s string) {
	w.rb.Field(w.col).(*array.StringBuilder).Append(s)
	w.col++
}

func (w *pqWriter) i64(v int64) {
	w.rb.Field(w.col).(*array.Int64Builder).Append(v)
	w.col++
}

func (w *pqWriter) ts(unixSeconds int64) {
	w.rb.Field(w.col).(*array.TimestampBuilder).Append(arrow.Timestamp(unixSeconds * 1_000_000))
	w.col++
}

func (w *pqWriter) counts(approved, pending, declines int64, causes *[record.NumOutcomes]report.CauseCount) {
	w.i64(approved)
	w.i64(pending)
	w.i64(declines)
	for _, o := range record.Causes() {
		w.i64(causes[o].Declines)
	}
	for _, o := range record.Causes() {
		w.i64(causes[o].Amount)
	}
}

func (w *pqWriter) endRow() error {
	if w.col != w.rb.Schema().NumFields() {
		return fmt.Errorf("internal error: %d of %d columns set", w.col, w.rb.Schema().NumFields())
	}
	w.col = 0
	w.n++
	w.rows++
	if w.n == batchRows {
		return w.flush()
	}
	return nil
}

func (w *pqWriter) flush() error {
	if w.n == 0 {
		return nil
	}
	rec := w.rb.NewRecordBatch()
	defer rec.Release()
	w.n = 0
	return w.fw.WriteBuffered(rec)
}

// close writes what is buffered, closes the file and syncs it.
func (w *pqWriter) close() error {
	defer w.rb.Release()
	if err := w.flush(); err != nil {
		w.fw.Close()
		return err
	}
	if err := w.fw.Close(); err != nil { // closes f
		return err
	}
	// pqarrow closed f; reopen to make the bytes durable.
	g, err := os.Open(w.path)
	if err != nil {
		return err
	}
	defer g.Close()
	return g.Sync()
}

// abort closes the file without caring for its contents.
func (w *pqWriter) abort() {
	w.rb.Release()
	w.fw.Close()
}

// pqReader reads the named columns of a Parquet file batch by batch,
// checking each column's type.
type pqReader struct {
	f    *os.File
	rr   pqarrow.RecordReader
	idx  []int // per wanted column, its index in the batches
	cols []arrow.Array
	rows int64
}

func openPQ(ctx context.Context, path string, want []arrow.Field) (*pqReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := &pqReader{f: f}
	pf, err := file.NewParquetReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.rows = pf.NumRows()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, memory.NewGoAllocator())
	if err != nil {
		f.Close()
		return nil, err
	}
	sc, err := fr.Schema()
	if err != nil {
		f.Close()
		return nil, err
	}
	var leaves []int
	for _, w := range want {
		ix := sc.FieldIndices(w.Name)
		if len(ix) == 0 {
			f.Close()
			return nil, fmt.Errorf("missing column %s", w.Name)
		}
		if got := sc.Field(ix[0]).Type; !arrow.TypeEqual(got, w.Type) {
			f.Close()
			return nil, fmt.Errorf("column %s is %s, want %s", w.Name, got, w.Type)
		}
		leaves = append(leaves, ix[0])
	}
	if r.rows == 0 {
		return r, nil // no row groups to read
	}
	rr, err := fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.rr = rr
	rsc := rr.Schema()
	for _, w := range want {
		ix := rsc.FieldIndices(w.Name)
		if len(ix) == 0 {
			r.close()
			return nil, fmt.Errorf("missing column %s", w.Name)
		}
		r.idx = append(r.idx, ix[0])
	}
	return r, nil
}

// next reads the next batch into r.cols (in want order); it returns the
// batch's rows, or 0 at the end.
func (r *pqReader) next() (int, error) {
	if r.rr == nil || !r.rr.Next() {
		if r.rr != nil {
			if err := r.rr.Err(); err != nil {
				return 0, err
			}
		}
		return 0, nil
	}
	rec := r.rr.RecordBatch()
	r.cols = r.cols[:0]
	for _, i := range r.idx {
		c := rec.Column(i)
		if c.NullN() > 0 {
			return 0, fmt.Errorf("column %s has nulls", rec.ColumnName(i))
		}
		r.cols = append(r.cols, c)
	}
	return int(rec.NumRows()), nil
}

func (r *pqReader) str(c, i int) string { return r.cols[c].(*array.String).Value(i) }
func (r *pqReader) i64(c, i int) int64  { return r.cols[c].(*array.Int64).Value(i) }
func (r *pqReader) ts(c, i int) int64 {
	return int64(r.cols[c].(*array.Timestamp).Value(i)) / 1_000_000
}

// counts reads the countFields starting at column c.
func (r *pqReader) counts(c, i int, causes *[record.NumOutcomes]report.CauseCount) (approved, pending, declines int64) {
	approved, pending, declines = r.i64(c, i), r.i64(c+1, i), r.i64(c+2, i)
	cs := record.Causes()
	for j, o := range cs {
		causes[o] = report.CauseCount{Declines: r.i64(c+3+j, i), Amount: r.i64(c+3+len(cs)+j, i)}
	}
	return
}

func (r *pqReader) close() {
	if r.rr != nil {
		r.rr.Release()
	}
	r.f.Close()
}
