// Package history keeps the aggregates of nightly runs as a
// Hive-partitioned Parquet store, so later runs can compare against past
// days without rereading raw exports:
//
//	DIR/date=2026-11-21/part-00000.parquet
//
// date is the local date (in the run's --tz) of the rows' txn_time. Each
// file has one row per (bucket, leaf), a leaf being one combination of the
// values of Dims, with these columns (all required):
//
//	bucket_start       TIMESTAMP (µs, UTC)  the bucket's start
//	bucket_seconds     INT64                the bucket's length
//	merchant_id, terminal_model, terminal_firmware, channel,
//	payment_method, region, mcc             STRING, "" when absent
//	attempts, declines INT64
//	declines_<cause>   INT64, one per cause of the catalogue, in its order
//
// Write replaces each date's partition atomically: the new partition is
// built in a hidden sibling directory and swapped in (renameat2 with
// RENAME_EXCHANGE on Linux, rename-aside elsewhere), so a re-run of the
// same day is idempotent and a reader never sees half a partition. DuckDB
// reads the store as it is:
//
//	SELECT * FROM read_parquet('DIR/*/*.parquet', hive_partitioning = true)
package history

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/payops/analyze/pkg/record"
	"github.com/payops/analyze/pkg/report"
)

// Dims are the leaf dimensions of the store, the default localization
// dimensions of the spike analysis.
var Dims = []record.Field{record.MerchantID, record.TerminalModel, record.TerminalFirmware,
	record.Channel, record.PaymentMethod, record.Region, record.MCC}

// DefaultBucket is the bucket length when the run gives none: an hour
// keeps a day of a large acquirer at a few million rows.
const DefaultBucket = 3600

const dateLayout = "2006-01-02"

func schema() *arrow.Schema {
	fields := []arrow.Field{
		{Name: "bucket_start", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "bucket_seconds", Type: arrow.PrimitiveTypes.Int64},
	}
	for _, d := range Dims {
		fields = append(fields, arrow.Field{Name: d.String(), Type: arrow.BinaryTypes.String})
	}
	fields = append(fields, arrow.Field{Name: "attempts", Type: arrow.PrimitiveTypes.Int64},
		arrow.Field{Name: "declines", Type: arrow.PrimitiveTypes.Int64})
	for _, o := range record.Causes() {
		fields = append(fields, arrow.Field{Name: "declines_" + o.String(), Type: arrow.PrimitiveTypes.Int64})
	}
	return arrow.NewSchema(fields, nil)
}

// CubeOptions returns the cube a run must count for the store.
func CubeOptions(bucket int64, tz *time.Location) report.CubeOptions {
	if bucket == 0 {
		bucket = DefaultBucket
	}
	return report.CubeOptions{Dims: slices.Clone(Dims), Bucket: bucket, TZ: tz}
}

// Write stores the cube's cells, one partition per local date, replacing
// the partitions of those dates. It returns the dates written.
func Write(dir string, c *report.Cube) ([]string, error) {
	opts := c.Options()
	if !slices.Equal(opts.Dims, Dims) {
		return nil, errors.New("history: the cube does not have the store's dimensions")
	}
	loc := opts.TZ
	if loc == nil {
		loc = time.UTC
	}
	byDate := map[string][]*report.CubeCell{}
	var dates []string
	for _, cell := range c.Cells() {
		d := time.Unix(cell.Bucket, 0).In(loc).Format(dateLayout)
		if byDate[d] == nil {
			dates = append(dates, d)
		}
		byDate[d] = append(byDate[d], cell)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, d := range dates {
		if err := writePartition(dir, d, opts.Bucket, byDate[d]); err != nil {
			return nil, err
		}
	}
	return dates, nil
}

func writePartition(dir, date string, bucket int64, cells []*report.CubeCell) error {
	var rnd [6]byte
	rand.Read(rnd[:])
	stage := filepath.Join(dir, ".tmp-date="+date+"-"+hex.EncodeToString(rnd[:]))
	if err := os.Mkdir(stage, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(stage) // after a swap it holds the old partition
	if err := writeFile(filepath.Join(stage, "part-00000.parquet"), bucket, cells); err != nil {
		return err
	}
	if err := report.SyncDir(stage); err != nil {
		return err
	}
	if err := swapIn(stage, filepath.Join(dir, "date="+date)); err != nil {
		return fmt.Errorf("history: replacing partition %s: %w", date, err)
	}
	return report.SyncDir(dir)
}

func writeFile(path string, bucket int64, cells []*report.CubeCell) error {
	mem := memory.NewGoAllocator()
	sc := schema()
	rb := array.NewRecordBuilder(mem, sc)
	defer rb.Release()
	for _, cell := range cells {
		rb.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(cell.Bucket * 1_000_000))
		rb.Field(1).(*array.Int64Builder).Append(bucket)
		for i, v := range cell.Values {
			rb.Field(2 + i).(*array.StringBuilder).Append(v)
		}
		k := 2 + len(Dims)
		rb.Field(k).(*array.Int64Builder).Append(cell.Attempts)
		rb.Field(k + 1).(*array.Int64Builder).Append(cell.Declines)
		for j, o := range record.Causes() {
			rb.Field(k + 2 + j).(*array.Int64Builder).Append(cell.Causes[o])
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true))
	fw, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		f.Close()
		return err
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return err
	}
	if err := fw.Close(); err != nil { // closes f
		return err
	}
	// pqarrow's FileWriter closed f; reopen to make the bytes durable.
	g, err := os.Open(path)
	if err != nil {
		return err
	}
	defer g.Close()
	return g.Sync()
}

// Dates lists the partition dates in the store, oldest first.
func Dates(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if d, ok := strings.CutPrefix(e.Name(), "date="); ok && e.IsDir() {
			if _, err := time.Parse(dateLayout, d); err == nil {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// Prune removes the partitions dated before keepFrom (a local date,
// 2006-01-02) and returns the dates removed.
func Prune(dir, keepFrom string) ([]string, error) {
	dates, err := Dates(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range dates {
		if d >= keepFrom {
			break
		}
		if err := os.RemoveAll(filepath.Join(dir, "date="+d)); err != nil {
			return removed, err
		}
		removed = append(removed, d)
	}
	return removed, nil
}

// Read adds to c the stored cells of the given dates whose bucket start
// satisfies keep (nil keeps all). c must have the store's dims. A date
// without a partition is an error naming it.
func Read(ctx context.Context, dir string, dates []string, keep func(bucketStart int64) bool, c *report.Cube) error {
	if !slices.Equal(c.Options().Dims, Dims) {
		return errors.New("history: the cube does not have the store's dimensions")
	}
	for _, d := range dates {
		pdir := filepath.Join(dir, "date="+d)
		files, err := filepath.Glob(filepath.Join(pdir, "*.parquet"))
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return &record.Error{Kind: record.KindUsage, File: pdir, Err: fmt.Errorf("no history for %s", d)}
		}
		slices.Sort(files)
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := readFile(ctx, f, keep, c); err != nil {
				return &record.Error{Kind: record.KindFormat, File: f, Err: err}
			}
		}
	}
	return nil
}

func readFile(ctx context.Context, path string, keep func(int64) bool, c *report.Cube) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	mem := memory.NewGoAllocator()
	tbl, err := pqarrow.ReadTable(ctx, f, parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		return err
	}
	defer tbl.Release()
	sc := tbl.Schema()
	col := func(name string) (*arrow.Chunked, error) {
		idx := sc.FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("missing column %s", name)
		}
		return tbl.Column(idx[0]).Data(), nil
	}
	names := []string{"bucket_start"}
	for _, d := range Dims {
		names = append(names, d.String())
	}
	names = append(names, "attempts", "declines")
	causes := record.Causes()
	for _, o := range causes {
		names = append(names, "declines_"+o.String())
	}
	cols := make([]*arrow.Chunked, len(names))
	for i, n := range names {
		if cols[i], err = col(n); err != nil {
			return err
		}
	}
	nchunks := len(cols[0].Chunks())
	for _, cc := range cols {
		if len(cc.Chunks()) != nchunks {
			return errors.New("columns are chunked differently")
		}
	}
	for k := 0; k < nchunks; k++ {
		ts, ok := cols[0].Chunk(k).(*array.Timestamp)
		if !ok {
			return errors.New("bucket_start is not a timestamp")
		}
		strs := make([]*array.String, len(Dims))
		for i := range Dims {
			if strs[i], ok = cols[1+i].Chunk(k).(*array.String); !ok {
				return fmt.Errorf("%s is not a string column", names[1+i])
			}
		}
		ints := make([]*array.Int64, len(names)-1-len(Dims))
		for i := range ints {
			if ints[i], ok = cols[1+len(Dims)+i].Chunk(k).(*array.Int64); !ok {
				return fmt.Errorf("%s is not an int64 column", names[1+len(Dims)+i])
			}
		}
		for r := 0; r < ts.Len(); r++ {
			start := int64(ts.Value(r)) / 1_000_000
			if keep != nil && !keep(start) {
				continue
			}
			cell := report.CubeCell{Bucket: start, Values: make([]string, len(Dims))}
			for i, s := range strs {
				cell.Values[i] = s.Value(r)
			}
			cell.Attempts, cell.Declines = ints[0].Value(r), ints[1].Value(r)
			for j, o := range causes {
				cell.Causes[o] = ints[2+j].Value(r)
			}
			if err := c.AddCell(cell); err != nil {
				return err
			}
		}
	}
	return nil
}
