package samplegen

import (
	"bufio"
	"io"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Write generates opts.Rows rows and streams them to w in opts.Format. It
// does not close w. Memory stays flat whatever the row count: CSV goes out
// in 256 KiB chunks, parquet one row group (ParquetRowGroup rows) at a
// time.
//
// CSV (and csv-gbk, csv.gz) holds the columns of Columns (or
// ChineseColumns) in that order, txn_time as local "2006-01-02 15:04:05"
// in Start's zone, amounts in yuan with two decimals. Parquet holds the
// same columns typed: txn_time TIMESTAMP(MILLIS, adjusted to UTC), amount
// DECIMAL(18,2), the rest strings (null when empty); snappy, dictionary
// encoding, row groups of ParquetRowGroup rows.
func Write(w io.Writer, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	o := opts.withDefaults()
	g := newGen(o)
	switch o.Format {
	case FormatParquet:
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := writeParquet(bw, g); err != nil {
			return err
		}
		return bw.Flush()
	case FormatCSVGBK:
		tw := transform.NewWriter(w, simplifiedchinese.GBK.NewEncoder())
		if err := writeCSV(tw, g); err != nil {
			return err
		}
		return tw.Close()
	case FormatCSVGzip:
		zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
		if err != nil {
			return err
		}
		if err := writeCSV(zw, g); err != nil {
			return err
		}
		return zw.Close()
	default:
		return writeCSV(w, g)
	}
}
