package samplegen

import (
	"io"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Parquet layout.
const (
	ParquetRowGroup = 128 * 1024 // rows per row group
	parquetBatch    = 16 * 1024  // rows per record handed to the writer
)

// AmountType is the parquet (arrow) type of the amount column.
var AmountType = &arrow.Decimal128Type{Precision: 18, Scale: 2}

// parquetSchema: txn_time is TIMESTAMP(MILLIS, adjusted to UTC), amount is
// DECIMAL(18,2), every other column a string; empty strings are written as
// nulls.
func parquetSchema(names []string) *arrow.Schema {
	fields := make([]arrow.Field, numCols)
	for i, n := range names {
		var t arrow.DataType = arrow.BinaryTypes.String
		switch i {
		case colTime:
			t = arrow.FixedWidthTypes.Timestamp_ms // time zone "UTC"
		case colAmount:
			t = AmountType
		}
		fields[i] = arrow.Field{Name: n, Type: t, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// writeParquet streams the rows of g as a snappy-compressed parquet file
// with dictionary encoding and row groups of ParquetRowGroup rows. Memory
// stays flat: one buffered row group plus one record of builders.
func writeParquet(w io.Writer, g *gen) error {
	chinese := g.o.Header == HeaderChinese
	names := Columns
	if chinese {
		names = ChineseColumns
	}
	schema := parquetSchema(names)
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(true),
		// Nearly unique per row: a dictionary would only be hashed and
		// then abandoned at the page size limit.
		parquet.WithDictionaryFor(names[colTime], false),
		parquet.WithDictionaryFor(names[colTxnID], false),
		parquet.WithDictionaryFor(names[colPAN], false),
		parquet.WithMaxRowGroupLength(ParquetRowGroup),
		parquet.WithCreatedBy("github.com/payops/analyze/pkg/samplegen"),
	)
	// The file writer closes a sink that is an io.Closer; the caller's
	// writer is the caller's to close, so it goes in without Close.
	fw, err := pqarrow.NewFileWriter(schema, struct{ io.Writer }{w}, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	mem := memory.DefaultAllocator
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()

	ts := rb.Field(colTime).(*array.TimestampBuilder)
	amt := rb.Field(colAmount).(*array.Decimal128Builder)
	var str [numCols]*array.StringBuilder
	for i := range numCols {
		if i != colTime && i != colAmount {
			str[i] = rb.Field(i).(*array.StringBuilder)
		}
	}
	put := func(col int, s string) {
		if s == "" {
			str[col].AppendNull()
		} else {
			// StringBuilder.Append(string) copies the string into a new
			// slice first; the builder copies the bytes anyway.
			str[col].BinaryBuilder.Append(unsafe.Slice(unsafe.StringData(s), len(s)))
		}
	}
	flush := func() error {
		rec := rb.NewRecordBatch()
		defer rec.Release()
		return fw.WriteBuffered(rec)
	}

	var r row
	for n := 0; n < g.o.Rows; n++ {
		g.next(&r)
		ts.Append(arrow.Timestamp(r.t * 1000))
		str[colTxnID].BinaryBuilder.Append(r.txnID[:])
		put(colMerchantID, r.m.id)
		put(colMerchantName, r.m.name)
		put(colMCC, r.m.mcc.code)
		put(colRegion, r.m.province)
		put(colTerminalID, r.term.id)
		put(colTerminalModel, r.term.model)
		put(colFirmware, r.term.firmware)
		put(colChannel, channels[r.ch].in(chinese))
		put(colPaymentMethod, paymentMethods[r.pm].in(chinese))
		put(colTxnType, txnTypes[r.kind].in(chinese))
		amt.Append(decimal128.FromI64(r.amount))
		put(colCurrency, currencyCNY.in(chinese))
		put(colRespCode, r.code)
		put(colRespSubcode, r.sub)
		put(colRespMsg, r.msg)
		if r.panLen == 0 {
			str[colPAN].AppendNull()
		} else {
			str[colPAN].BinaryBuilder.Append(r.pan[:r.panLen])
		}
		if (n+1)%parquetBatch == 0 {
			if err := flush(); err != nil {
				fw.Close()
				return err
			}
		}
	}
	if g.o.Rows%parquetBatch != 0 || g.o.Rows == 0 {
		if err := flush(); err != nil {
			fw.Close()
			return err
		}
	}
	return fw.Close()
}
