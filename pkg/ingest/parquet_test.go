package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	xlocal "github.com/xitongsys/parquet-go-source/local"
	xparquet "github.com/xitongsys/parquet-go/parquet"
	xtypes "github.com/xitongsys/parquet-go/types"
	xwriter "github.com/xitongsys/parquet-go/writer"

	"github.com/payops/analyze/pkg/record"
)

// pqWriteArrow writes the JSON rows with arrow-go's pqarrow writer and
// returns the file's path.
func pqWriteArrow(t *testing.T, sc *arrow.Schema, rows string, props []parquet.WriterProperty, aprops ...pqarrow.WriterOption) string {
	t.Helper()
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rows))
	if err != nil {
		t.Fatalf("building the record: %v", err)
	}
	defer rec.Release()
	return pqWriteRecord(t, rec, props, aprops...)
}

func pqWriteRecord(t *testing.T, rec arrow.RecordBatch, props []parquet.WriterProperty, aprops ...pqarrow.WriterOption) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "export.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(props...), pqarrow.NewArrowWriterProperties(aprops...))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil { // closes f too
		t.Fatal(err)
	}
	return p
}

// pqRow is one accepted row in a comparable form.
type pqRow struct {
	Line   int64
	Time   time.Time
	Amount int64
	Kind   record.TxnKind
	Text   map[string]string
}

func pqFlatten(t *testing.T, bs []*record.Batch) (rows []pqRow, rejects []*record.Error) {
	t.Helper()
	for _, b := range bs {
		if b.Read != b.Len+len(b.Rejects)+b.Filtered {
			t.Errorf("batch %d: Read %d != Len %d + rejects %d + filtered %d", b.Seq, b.Read, b.Len, len(b.Rejects), b.Filtered)
		}
		for i := 0; i < b.Len; i++ {
			r := pqRow{Line: b.Line[i], Time: time.Unix(b.Time[i], 0).UTC(), Amount: b.Amount[i], Kind: b.Kind[i], Text: map[string]string{}}
			for f := record.Field(0); f < record.NumFields; f++ {
				if b.Text[f] != nil {
					r.Text[f.String()] = b.Text[f][i]
				}
			}
			rows = append(rows, r)
		}
		rejects = append(rejects, b.Rejects...)
	}
	return rows, rejects
}

func pqSHA(t *testing.T, path string) (string, int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:]), int64(len(data))
}

func utc(h, m, s int) time.Time { return time.Date(2026, 11, 21, h, m, s, 0, time.UTC) }

// pqTypedSchema is an export as a current writer makes it: typed columns,
// a dictionary and a large string.
var pqTypedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "merchant_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "merchant_name", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "mcc", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "terminal_id", Type: arrow.BinaryTypes.LargeString, Nullable: true},
	{Name: "terminal_model", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "channel", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
	{Name: "currency", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "resp_code", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "resp_msg", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "txn_type", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "txn_id", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

const pqTypedRows = `[
{"txn_time": "2026-11-21T06:30:05.123Z", "merchant_id": 100001, "merchant_name": "商户甲", "mcc": 5411, "terminal_id": "T001", "terminal_model": "PAX A920", "channel": "插卡", "amount": "12.50", "currency": "CNY", "resp_code": 5, "resp_msg": "余额不足", "txn_type": "消费", "txn_id": "R1"},
{"txn_time": "2026-11-21T06:31:00Z", "merchant_id": 100002, "merchant_name": "商户乙", "mcc": 5812, "terminal_id": "T002", "terminal_model": "Sunmi P2", "channel": "nfc", "amount": "1234.00", "currency": "JPY", "resp_code": 0, "resp_msg": "成功", "txn_type": "purchase", "txn_id": "R2"},
{"txn_time": "2026-11-21T06:32:00Z", "merchant_id": 100003, "merchant_name": "商户甲", "mcc": 5411, "terminal_id": "T003", "terminal_model": "PAX A920", "channel": "刷卡", "amount": "12.50", "currency": "JPY", "resp_code": 51, "resp_msg": null, "txn_type": "消费", "txn_id": "R3"},
{"txn_time": "2026-11-21T06:33:00Z", "merchant_id": null, "merchant_name": "商户甲", "mcc": 5411, "terminal_id": "T004", "terminal_model": "PAX A920", "channel": "刷卡", "amount": "1.00", "currency": "CNY", "resp_code": 0, "resp_msg": "成功", "txn_type": "消费", "txn_id": "R4"},
{"txn_time": "2026-11-21T06:34:00Z", "merchant_id": 100005, "merchant_name": "商户丙", "mcc": 5999, "terminal_id": "T005", "terminal_model": "PAX A920", "channel": "刷卡", "amount": null, "currency": "CNY", "resp_code": 0, "resp_msg": "成功", "txn_type": "消费", "txn_id": "R5"},
{"txn_time": "2026-11-21T06:35:00Z", "merchant_id": 100006, "merchant_name": "商户丙", "mcc": 5999, "terminal_id": "T006", "terminal_model": "PAX A920", "channel": "刷卡", "amount": "-3.00", "currency": "CNY", "resp_code": 0, "resp_msg": "成功", "txn_type": "退货", "txn_id": "R6"},
{"txn_time": "2026-11-21T06:36:00Z", "merchant_id": 100007, "merchant_name": "商户丁", "mcc": 5999, "terminal_id": "T007", "terminal_model": "PAX A920", "channel": "刷卡", "amount": "1.25", "currency": "KWD", "resp_code": 0, "resp_msg": "成功", "txn_type": "消费", "txn_id": "R7"},
{"txn_time": null, "merchant_id": 100008, "merchant_name": "商户丁", "mcc": 5999, "terminal_id": "T008", "terminal_model": "PAX A920", "channel": "刷卡", "amount": "1.00", "currency": "CNY", "resp_code": 0, "resp_msg": "成功", "txn_type": "消费", "txn_id": "R8"},
{"txn_time": "2026-11-21T06:38:00Z", "merchant_id": 100009, "merchant_name": "商户丁", "mcc": 5999, "terminal_id": "T009", "terminal_model": "PAX A920", "channel": "刷卡", "amount": "-1.00", "currency": "CNY", "resp_code": 0, "resp_msg": "成功", "txn_type": "消费", "txn_id": "R9"}
]`

func TestParquetTypedColumns(t *testing.T) {
	p := pqWriteArrow(t, pqTypedSchema, pqTypedRows, []parquet.WriterProperty{parquet.WithMaxRowGroupLength(4), parquet.WithCompression(compress.Codecs.Snappy)})
	f, bs, err := readAll(t, p, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != "parquet" || f.Encoding != EncUTF8 {
		t.Errorf("format %q, encoding %q", f.Format, f.Encoding)
	}
	if len(bs) != 3 {
		t.Errorf("%d batches, want 3 (one per row group of 4, 4, 1 rows)", len(bs))
	}
	for i, b := range bs {
		if b.Seq != i || b.Source != p {
			t.Errorf("batch %d: Seq %d, Source %q", i, b.Seq, b.Source)
		}
	}
	rows, rejects := pqFlatten(t, bs)
	text := func(mid, name, mcc, tid, channel, cur, code, msg, id string) map[string]string {
		return map[string]string{"merchant_id": mid, "merchant_name": name, "mcc": mcc, "terminal_id": tid, "terminal_model": "PAX A920",
			"channel": channel, "currency": cur, "resp_code": code, "resp_msg": msg, "txn_id": id}
	}
	r2 := text("100002", "商户乙", "5812", "T002", "contactless", "JPY", "00", "成功", "R2")
	r2["terminal_model"] = "Sunmi P2"
	want := []pqRow{
		{Line: 1, Time: utc(6, 30, 5), Amount: 1250, Kind: record.Purchase, Text: text("100001", "商户甲", "5411", "T001", "card_chip", "CNY", "05", "余额不足", "R1")},
		{Line: 2, Time: utc(6, 31, 0), Amount: 1234, Kind: record.Purchase, Text: r2},
		{Line: 6, Time: utc(6, 35, 0), Amount: -300, Kind: record.Refund, Text: text("100006", "商户丙", "5999", "T006", "card_swipe", "CNY", "00", "成功", "R6")},
		{Line: 7, Time: utc(6, 36, 0), Amount: 1250, Kind: record.Purchase, Text: text("100007", "商户丁", "5999", "T007", "card_swipe", "KWD", "00", "成功", "R7")},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", rows, want)
	}
	type rej struct {
		Row    int64
		Column string
		Reason string
	}
	var got []rej
	for _, e := range rejects {
		if e.Kind != record.KindRow || e.File != p || e.Line != 0 || e.Raw == "" {
			t.Errorf("reject %+v: want a KindRow error with the file, a row number and the raw values", e)
		}
		reason := e.Reason()
		if errors.Is(e, errTime) { // its wording belongs to the text parser
			reason = `(the text parser's message), got ""`
			if !strings.HasSuffix(e.Reason(), `, got ""`) {
				reason = e.Reason()
			}
		}
		got = append(got, rej{e.Row, e.Column, reason})
	}
	wantRej := []rej{
		{3, "amount", `amount "12.5" has 1 decimals, more than the currency's 0`},
		{4, "merchant_id", "empty merchant id"},
		{5, "amount", `expected a decimal amount such as 1234.50, got ""`},
		{8, "txn_time", `(the text parser's message), got ""`},
		{9, "amount", "negative purchase amount: -1.00"},
	}
	if !reflect.DeepEqual(got, wantRej) {
		t.Errorf("rejects:\n got %+v\nwant %+v", got, wantRej)
	}
	// The raw record holds the values as read; the rejected amount as the
	// text the parser saw.
	if len(rejects) > 0 && rejects[0].Raw != "2026-11-21T06:32:00Z,100003,商户甲,5411,T003,PAX A920,刷卡,12.5,JPY,51,,消费,R3" {
		t.Errorf("raw record of the first reject: %q", rejects[0].Raw)
	}
	// Typed times and amounts are formatted only for a rejected row: an
	// empty merchant id still shows them.
	if len(rejects) > 1 && !strings.HasPrefix(rejects[1].Raw, "2026-11-21T06:33:00Z,,") {
		t.Errorf("raw record of the empty merchant id: %q", rejects[1].Raw)
	}
	sum, size := pqSHA(t, p)
	if f.SHA256() != sum || f.Size() != size {
		t.Errorf("SHA256 %s size %d, want %s %d", f.SHA256(), f.Size(), sum, size)
	}
	if f.Mapping == nil || len(f.Mapping.Headers) != 13 || f.Mapping.Headers[0] != "txn_time" {
		t.Errorf("mapping %+v", f.Mapping)
	}
}

// TestParquetWallClockAndFen: a timestamp without UTC adjustment is a wall
// time in Options.TZ; integer amounts are yuan, or fen with AmountUnit fen.
func TestParquetWallClockAndFen(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "交易时间", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "商户号", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "终端型号", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "交易金额", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "应答码", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	p := pqWriteArrow(t, sc, `[
{"交易时间": "2026-11-21 14:30:05.999999", "商户号": "M1", "终端型号": "A920", "交易金额": 1250, "应答码": "00"},
{"交易时间": "2026-03-08 02:30:00", "商户号": "M2", "终端型号": "A920", "交易金额": 7, "应答码": "51"}
]`, nil)
	for _, tc := range []struct {
		opts  *Options
		times []time.Time
		amts  []int64
	}{
		{&Options{}, []time.Time{utc(6, 30, 5), time.Date(2026, 3, 7, 18, 30, 0, 0, time.UTC)}, []int64{125000, 700}},
		{&Options{AmountUnit: "fen"}, []time.Time{utc(6, 30, 5), time.Date(2026, 3, 7, 18, 30, 0, 0, time.UTC)}, []int64{1250, 7}},
		{&Options{TZ: time.UTC}, []time.Time{utc(14, 30, 5), time.Date(2026, 3, 8, 2, 30, 0, 0, time.UTC)}, []int64{125000, 700}},
	} {
		_, bs, err := readAll(t, p, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		rows, rejects := pqFlatten(t, bs)
		if len(rejects) > 0 || len(rows) != 2 {
			t.Fatalf("%+v: rows %+v rejects %v", tc.opts, rows, rejects)
		}
		for i, r := range rows {
			if !r.Time.Equal(tc.times[i]) || r.Amount != tc.amts[i] {
				t.Errorf("%+v row %d: time %v amount %d, want %v %d", tc.opts, i+1, r.Time, r.Amount, tc.times[i], tc.amts[i])
			}
		}
	}
}

// TestParquetOtherTypes: INT96 and DATE times, TIME joined with a date
// column, float and wide decimal amounts.
func TestParquetOtherTypes(t *testing.T) {
	t.Run("int96 and double", func(t *testing.T) {
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
			{Name: "merchant_id", Type: arrow.BinaryTypes.String},
			{Name: "terminal_model", Type: arrow.BinaryTypes.String},
			{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
			{Name: "resp_code", Type: arrow.BinaryTypes.String},
		}, nil)
		p := pqWriteArrow(t, sc, `[
{"txn_time": "2026-11-21T06:30:05.123456789Z", "merchant_id": "M1", "terminal_model": "X", "amount": 12.5, "resp_code": "00"},
{"txn_time": "2026-11-21T06:30:06Z", "merchant_id": "M2", "terminal_model": "X", "amount": 0.30000000000000004, "resp_code": "00"},
{"txn_time": "2026-11-21T06:30:07Z", "merchant_id": "M3", "terminal_model": "X", "amount": 0.1, "resp_code": "00"}
]`, nil, pqarrow.WithDeprecatedInt96Timestamps(true))
		if typ := pqColumnType(t, p, "txn_time"); typ != "INT96" {
			t.Fatalf("txn_time stored as %s, want INT96", typ)
		}
		_, bs, err := readAll(t, p, &Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows, rejects := pqFlatten(t, bs)
		if len(rows) != 2 || !rows[0].Time.Equal(utc(6, 30, 5)) || rows[0].Amount != 1250 || rows[1].Amount != 10 || rows[1].Line != 3 {
			t.Errorf("rows %+v", rows)
		}
		if len(rejects) != 1 || rejects[0].Row != 2 || rejects[0].Reason() != `amount "0.30000000000000004" has 17 decimals, more than the currency's 2` {
			t.Errorf("rejects %v", rejects)
		}
	})
	t.Run("date and decimal(38,18)", func(t *testing.T) {
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "txn_time", Type: arrow.FixedWidthTypes.Date32},
			{Name: "merchant_id", Type: arrow.BinaryTypes.String},
			{Name: "terminal_model", Type: arrow.BinaryTypes.String},
			{Name: "amount", Type: &arrow.Decimal128Type{Precision: 38, Scale: 18}},
			{Name: "resp_code", Type: arrow.BinaryTypes.String},
		}, nil)
		p := pqWriteArrow(t, sc, `[
{"txn_time": "2026-11-21", "merchant_id": "M1", "terminal_model": "X", "amount": "12.500000000000000000", "resp_code": "00"},
{"txn_time": "2026-11-22", "merchant_id": "M2", "terminal_model": "X", "amount": "12345678901234.560000000000000000", "resp_code": "00"},
{"txn_time": "2026-11-23", "merchant_id": "M3", "terminal_model": "X", "amount": "0.010000000000000001", "resp_code": "00"}
]`, nil)
		_, bs, err := readAll(t, p, &Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows, rejects := pqFlatten(t, bs)
		if len(rows) != 2 || !rows[0].Time.Equal(time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)) || rows[0].Amount != 1250 || rows[1].Amount != 1234567890123456 {
			t.Errorf("rows %+v", rows)
		}
		if len(rejects) != 1 || rejects[0].Row != 3 || rejects[0].Reason() != `amount "0.010000000000000001" has 18 decimals, more than the currency's 2` {
			t.Errorf("rejects %v", rejects)
		}
	})
	t.Run("time joined with a date column", func(t *testing.T) {
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "交易日期", Type: arrow.FixedWidthTypes.Date32},
			{Name: "交易时间", Type: arrow.FixedWidthTypes.Time32ms},
			{Name: "merchant_id", Type: arrow.BinaryTypes.String},
			{Name: "terminal_model", Type: arrow.BinaryTypes.String},
			{Name: "amount", Type: arrow.BinaryTypes.String},
			{Name: "resp_code", Type: arrow.BinaryTypes.String},
		}, nil)
		p := pqWriteArrow(t, sc, `[{"交易日期": "2026-11-21", "交易时间": 52205250, "merchant_id": "M1", "terminal_model": "X", "amount": "¥1,234.50", "resp_code": "00"}]`, nil)
		_, bs, err := readAll(t, p, &Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows, rejects := pqFlatten(t, bs)
		if len(rejects) != 0 || len(rows) != 1 || !rows[0].Time.Equal(utc(6, 30, 5)) || rows[0].Amount != 123450 {
			t.Errorf("rows %+v rejects %v", rows, rejects)
		}
	})
	t.Run("times beyond year 9999 and unsigned amounts beyond int64", func(t *testing.T) {
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}},
			{Name: "merchant_id", Type: arrow.BinaryTypes.String},
			{Name: "terminal_model", Type: arrow.BinaryTypes.String},
			{Name: "amount", Type: arrow.PrimitiveTypes.Uint64},
			{Name: "resp_code", Type: arrow.BinaryTypes.String},
		}, nil)
		p := pqWriteArrow(t, sc, `[
{"txn_time": "253402300800", "merchant_id": "M1", "terminal_model": "X", "amount": 1, "resp_code": "00"},
{"txn_time": "253402300799", "merchant_id": "M2", "terminal_model": "X", "amount": 18446744073709551615, "resp_code": "00"},
{"txn_time": "253402300799", "merchant_id": "M3", "terminal_model": "X", "amount": 46116860184273879, "resp_code": "00"}
]`, nil)
		_, bs, err := readAll(t, p, &Options{})
		if err != nil {
			t.Fatal(err)
		}
		rows, rejects := pqFlatten(t, bs)
		if len(rows) != 1 || rows[0].Amount != 4611686018427387900 || rows[0].Time.Year() != 9999 {
			t.Errorf("rows %+v", rows)
		}
		if len(rejects) != 2 || rejects[0].Column != "txn_time" || !strings.Contains(rejects[0].Reason(), `got "10000-01-01T00:00:00Z"`) ||
			rejects[1].Column != "amount" || !strings.Contains(rejects[1].Reason(), "out of range") {
			t.Errorf("rejects %v", rejects)
		}
	})
	t.Run("time without a date column", func(t *testing.T) {
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "txn_time", Type: arrow.FixedWidthTypes.Time32ms},
			{Name: "merchant_id", Type: arrow.BinaryTypes.String},
			{Name: "terminal_model", Type: arrow.BinaryTypes.String},
			{Name: "amount", Type: arrow.FixedWidthTypes.Boolean},
			{Name: "resp_code", Type: arrow.BinaryTypes.String},
		}, nil)
		p := pqWriteArrow(t, sc, `[{"txn_time": 1, "merchant_id": "M1", "terminal_model": "X", "amount": true, "resp_code": "00"}]`, nil)
		_, _, err := readAll(t, p, &Options{})
		if record.KindOf(err) != record.KindSchema || !strings.Contains(err.Error(), `column "txn_time"`) || !strings.Contains(err.Error(), "no date column") {
			t.Errorf("err = %v, want a schema error about the TIME column", err)
		}
	})
}

// pqColumnType returns the physical type of a column, as stored.
func pqColumnType(t *testing.T, path, name string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	pqf, err := openPQ(path, newPQHandle(f, "", st.Size()))
	if err != nil {
		t.Fatal(err)
	}
	defer pqf.h.release()
	for _, c := range pqf.cols {
		if c.name == name {
			return c.phys.String()
		}
	}
	return ""
}

func TestParquetInvalidUTF8(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "txn_time", Type: arrow.BinaryTypes.String},
		{Name: "merchant_id", Type: arrow.BinaryTypes.String},
		{Name: "merchant_name", Type: arrow.BinaryTypes.Binary},
		{Name: "terminal_model", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.BinaryTypes.String},
		{Name: "resp_code", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, name := range [][]byte{[]byte("商户甲"), {0xC9, 0xCC, 0xBB, 0xA7}} { // the second is GBK
		b.Field(0).(*array.StringBuilder).Append("2026-11-21 14:30:05")
		b.Field(1).(*array.StringBuilder).Append("M1")
		b.Field(2).(*array.BinaryBuilder).Append(name)
		b.Field(3).(*array.StringBuilder).Append("A920")
		b.Field(4).(*array.StringBuilder).Append("1.00")
		b.Field(5).(*array.StringBuilder).Append("00")
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	p := pqWriteRecord(t, rec, nil)
	_, bs, err := readAll(t, p, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, rejects := pqFlatten(t, bs)
	if len(rows) != 1 || rows[0].Text["merchant_name"] != "商户甲" {
		t.Errorf("rows %+v", rows)
	}
	if len(rejects) != 1 || rejects[0].Row != 2 || rejects[0].Column != "merchant_name" || !strings.Contains(rejects[0].Reason(), "not valid UTF-8") || !strings.Contains(rejects[0].Raw, "\uFFFD") {
		t.Errorf("rejects %+v", rejects)
	}
}

func TestParquetMissingColumn(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "txn_time", Type: arrow.BinaryTypes.String},
		{Name: "merchant_id", Type: arrow.BinaryTypes.String},
		{Name: "terminal_model", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.BinaryTypes.String},
		{Name: "status", Type: arrow.BinaryTypes.String},
	}, nil)
	p := pqWriteArrow(t, sc, `[{"txn_time": "2026-11-21 14:30:05", "merchant_id": "M1", "terminal_model": "A920", "amount": "1", "status": "ok"}]`, nil)
	_, _, err := readAll(t, p, &Options{})
	if record.KindOf(err) != record.KindSchema {
		t.Fatalf("err = %v, want KindSchema", err)
	}
	for _, s := range []string{p, "missing required column resp_code", "headers found: [txn_time, merchant_id, terminal_model, amount, status]"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
}

func TestParquetNestedColumns(t *testing.T) {
	fields := []arrow.Field{
		{Name: "txn_time", Type: arrow.BinaryTypes.String},
		{Name: "merchant_id", Type: arrow.BinaryTypes.String},
		{Name: "terminal_model", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.BinaryTypes.String},
		{Name: "resp_code", Type: arrow.BinaryTypes.String},
	}
	// An unmapped nested column is skipped.
	sc := arrow.NewSchema(append(fields, arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}), nil)
	p := pqWriteArrow(t, sc, `[{"txn_time": "2026-11-21 14:30:05", "merchant_id": "M1", "terminal_model": "A920", "amount": "1", "resp_code": "00", "tags": ["a", "b"]}]`, nil)
	_, bs, err := readAll(t, p, &Options{})
	if rows, _ := pqFlatten(t, bs); err != nil || len(rows) != 1 {
		t.Errorf("unmapped list column: rows %+v, err %v", rows, err)
	}
	// A mapped one is refused, naming the column.
	sc = arrow.NewSchema(append(fields, arrow.Field{Name: "txn_id", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true}), nil)
	p = pqWriteArrow(t, sc, `[{"txn_time": "2026-11-21 14:30:05", "merchant_id": "M1", "terminal_model": "A920", "amount": "1", "resp_code": "00", "txn_id": ["a"]}]`, nil)
	_, _, err = readAll(t, p, &Options{})
	if record.KindOf(err) != record.KindUnsupported || !strings.Contains(err.Error(), `column "txn_id"`) || !strings.Contains(err.Error(), "LIST") {
		t.Errorf("err = %v, want KindUnsupported naming txn_id", err)
	}
	if _, _, err := ReadParquetRaw(p); record.KindOf(err) != record.KindUnsupported {
		t.Errorf("ReadParquetRaw: err = %v, want KindUnsupported", err)
	}
}

// pqManyGroups writes 10 row groups of 7 rows.
func pqManyGroups(t *testing.T) string {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}},
		{Name: "merchant_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "terminal_model", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.PrimitiveTypes.Int64},
		{Name: "resp_code", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := 0; i < 70; i++ {
		b.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(utc(0, 0, 0).Unix() + int64(i)))
		b.Field(1).(*array.Int64Builder).Append(int64(1000 + i))
		b.Field(2).(*array.StringBuilder).Append([]string{"A920", "P2", "N910"}[i%3])
		b.Field(3).(*array.Int64Builder).Append(int64(i * 3))
		b.Field(4).(*array.StringBuilder).Append([]string{"00", "51", "05", "A0"}[i%4])
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return pqWriteRecord(t, rec, []parquet.WriterProperty{parquet.WithMaxRowGroupLength(7)})
}

func TestParquetConcurrentRowGroups(t *testing.T) {
	p := pqManyGroups(t)
	opts := &Options{BatchRows: 3, AmountUnit: "fen"}
	_, want, err := readAll(t, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 30 {
		t.Fatalf("%d batches, want 30 (10 row groups of 3+3+1 rows)", len(want))
	}
	rows, _ := pqFlatten(t, want)
	if len(rows) != 70 {
		t.Fatalf("%d rows, want 70", len(rows))
	}
	for i, r := range rows {
		if r.Line != int64(i+1) || r.Text["merchant_id"] != strconv.Itoa(1000+i) || r.Amount != int64(i*3) || !r.Time.Equal(utc(0, 0, i)) {
			t.Errorf("row %d: %+v", i+1, r)
		}
	}
	for i, b := range want {
		if b.Seq != i {
			t.Errorf("batch %d has Seq %d", i, b.Seq)
		}
	}

	f, err := Open(Input{Path: p}, 0, opts)
	if err != nil {
		t.Fatal(err)
	}
	var parts []Part
	for {
		part, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, part)
	}
	// As the pipeline does: the file is closed while parts still wait.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := make([][]*record.Batch, len(parts))
	var wg sync.WaitGroup
	for i := len(parts) - 1; i >= 0; i-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bs, err := parts[i].Decode()
			if err != nil {
				t.Error(err)
			}
			got[i] = bs
		}()
	}
	wg.Wait()
	var all []*record.Batch
	for _, bs := range got {
		all = append(all, bs...)
	}
	if !sameBatches(all, want) {
		t.Errorf("concurrent decode differs from the sequential one")
	}
	h := f.src.(*parquetSource).pqf.h
	if n := h.refs.Load(); n != 0 {
		t.Errorf("%d references left on the file after Close and every Decode", n)
	}
	if _, err := parts[0].Decode(); record.KindOf(err) != record.KindIO {
		t.Errorf("Decode after everything was released: err = %v, want a clean KindIO error", err)
	}
}

// TestParquetDroppedParts: parts never decoded (a cancelled run) give their
// reference back when collected.
func TestParquetDroppedParts(t *testing.T) {
	p := pqManyGroups(t)
	f, err := Open(Input{Path: p}, 0, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := f.Next(); err != nil {
			break
		}
	}
	h := f.src.(*parquetSource).pqf.h
	f.Close()
	deadline := time.Now().Add(5 * time.Second)
	for h.refs.Load() != 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := h.refs.Load(); n != 0 {
		t.Errorf("%d references left after the parts were dropped", n)
	}
}

// TestParquetSpooled reads the file from a stream that is no *os.File, as
// standard input is: it is spooled to a temporary file, removed at close.
func TestParquetSpooled(t *testing.T) {
	p := pqManyGroups(t)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	rc := io.NopCloser(bytes.NewReader(data))
	hr := &hashingReader{r: rc, h: sha256.New()}
	fc := &fileCtx{path: "-", opts: &Options{AmountUnit: "fen"}, parquet: true}
	src, err := openParquet(fc, bufio.NewReaderSize(hr, 64<<10), rc, hr)
	if err != nil {
		t.Fatal(err)
	}
	if hr.n != int64(len(data)) {
		t.Errorf("hashed %d bytes, want %d", hr.n, len(data))
	}
	sum := sha256.Sum256(data)
	if !bytes.Equal(hr.h.Sum(nil), sum[:]) {
		t.Error("hash of the spooled stream differs")
	}
	var bs []*record.Batch
	for {
		part, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := part.Decode()
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, got...)
	}
	src.close()
	_, want, err := readAll(t, p, &Options{AmountUnit: "fen"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range want {
		b.Source = "-"
	}
	if !sameBatches(bs, want) {
		t.Error("the spooled file reads differently")
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
	if h := src.(*parquetSource).pqf.h; h.refs.Load() != 0 {
		t.Errorf("handle still referenced after close")
	}
}

// TestParquetForeignWriter reads files written by xitongsys/parquet-go.
// writeForeign writes rows to path with github.com/xitongsys/parquet-go,
// Snappy-compressed, as another Go exporter would: row groups of
// rowGroup bytes and, unless 0, pages of pageSize bytes.
func writeForeign[T any](t *testing.T, path string, rowGroup, pageSize int64, rows []T) {
	t.Helper()
	fw, err := xlocal.NewLocalFileWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	pw, err := xwriter.NewParquetWriter(fw, new(T), 1)
	if err != nil {
		t.Fatal(err)
	}
	pw.RowGroupSize = rowGroup
	if pageSize > 0 {
		pw.PageSize = pageSize
	}
	pw.CompressionType = xparquet.CompressionCodec_SNAPPY
	for _, r := range rows {
		if err := pw.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.WriteStop(); err != nil {
		t.Fatal(err)
	}
}

func TestParquetForeignWriter(t *testing.T) {
	type row struct {
		TxnTime  string  `parquet:"name=txn_time, type=BYTE_ARRAY, convertedtype=UTF8"`
		Merchant string  `parquet:"name=merchant_id, type=BYTE_ARRAY, convertedtype=UTF8"`
		Model    string  `parquet:"name=terminal_model, type=BYTE_ARRAY, convertedtype=UTF8"`
		Amount   int64   `parquet:"name=amount, type=INT64, convertedtype=DECIMAL, scale=2, precision=18"`
		Fixed    string  `parquet:"name=trans_amount, type=FIXED_LEN_BYTE_ARRAY, convertedtype=DECIMAL, scale=2, precision=20, length=9"`
		Fen      int64   `parquet:"name=fen, type=INT64"`
		Cur      *string `parquet:"name=currency, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
		Code     string  `parquet:"name=resp_code, type=BYTE_ARRAY, convertedtype=UTF8"`
		Stamp    int64   `parquet:"name=stamp, type=INT64, convertedtype=TIMESTAMP_MILLIS, isadjustedtoutc=true"`
		Wall     int64   `parquet:"name=wall, type=INT64, convertedtype=TIMESTAMP_MILLIS"` // isAdjustedToUTC=false: a wall time
	}
	p := filepath.Join(t.TempDir(), "foreign.parquet")
	hkd := "HKD"
	stamp, wall := utc(6, 30, 5).UnixMilli(), utc(14, 30, 5).UnixMilli()
	writeForeign(t, p, 1<<20, 0, []row{
		{TxnTime: "2026-11-21 14:30:05", Merchant: "M1", Model: "A920", Amount: 1250, Fixed: xtypes.StrIntToBinary("150", "BigEndian", 9, true), Fen: 1250, Code: "00", Stamp: stamp, Wall: wall},
		{TxnTime: "2026/11/21 14:30:06", Merchant: "M2", Model: "A920", Amount: 99, Fixed: xtypes.StrIntToBinary("12345", "BigEndian", 9, true), Fen: 99, Cur: &hkd, Code: "5", Stamp: stamp + 1000, Wall: wall + 1000},
	})

	_, bs, err := readAll(t, p, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, rejects := pqFlatten(t, bs)
	if len(rejects) != 0 || len(rows) != 2 {
		t.Fatalf("rows %+v rejects %v", rows, rejects)
	}
	if !rows[0].Time.Equal(utc(6, 30, 5)) || rows[0].Amount != 1250 || rows[1].Amount != 99 || rows[1].Text["currency"] != "HKD" || rows[0].Text["currency"] != "CNY" || rows[1].Text["resp_code"] != "05" {
		t.Errorf("rows %+v", rows)
	}
	// Through --columns: the FIXED_LEN_BYTE_ARRAY decimal with the UTC
	// TIMESTAMP_MILLIS, and an INT64 fen amount with the wall-clock one.
	for _, tc := range []struct {
		cols map[record.Field]string
		unit string
		want []int64
	}{
		{map[record.Field]string{record.Amount: "trans_amount", record.TxnTime: "stamp"}, "", []int64{150, 12345}},
		{map[record.Field]string{record.Amount: "fen", record.TxnTime: "wall"}, "fen", []int64{1250, 99}},
	} {
		_, bs, err = readAll(t, p, &Options{Columns: tc.cols, AmountUnit: tc.unit})
		if err != nil {
			t.Fatal(err)
		}
		rows, rejects = pqFlatten(t, bs)
		if len(rows) != 2 || rows[0].Amount != tc.want[0] || rows[1].Amount != tc.want[1] || !rows[1].Time.Equal(utc(6, 30, 6)) {
			t.Errorf("%v: rows %+v rejects %v", tc.cols, rows, rejects)
		}
	}
}

// TestParquetLegacyLZ4 writes with the deprecated LZ4 codec id (Hadoop
// framing, registered by this package) and reads it back.
func TestParquetLegacyLZ4(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "txn_time", Type: arrow.BinaryTypes.String},
		{Name: "merchant_id", Type: arrow.BinaryTypes.String},
		{Name: "terminal_model", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.BinaryTypes.String},
		{Name: "resp_code", Type: arrow.BinaryTypes.String},
	}, nil)
	row := `{"txn_time": "2026-11-21 14:30:05", "merchant_id": "M1", "terminal_model": "A920", "amount": "1.00", "resp_code": "00"}`
	rows := "[" + strings.TrimSuffix(strings.Repeat(row+",", 500), ",") + "]"
	p := pqWriteArrow(t, sc, rows, []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Lz4), parquet.WithDictionaryDefault(false)})
	_, bs, err := readAll(t, p, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := pqFlatten(t, bs); len(got) != 500 || got[499].Amount != 100 {
		t.Errorf("%d rows", len(got))
	}
}

// TestParquetCorrupt: a damaged file is a clean KindFormat error naming it.
func TestParquetCorrupt(t *testing.T) {
	p := pqManyGroups(t)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"truncated.parquet":    data[:len(data)/2],
		"magic-only.parquet":   []byte("PAR1"),
		"bad-footer.parquet":   append(append([]byte{}, data[:len(data)-8]...), 0xff, 0xff, 0, 0, 'P', 'A', 'R', '1'),
		"garbled-data.parquet": pqGarble(data, 4, 2000),
	}
	for name, b := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, bs, err := readAll(t, path, &Options{})
		if err == nil {
			// garbled values may still decode; every row must be accounted for
			n := 0
			for _, b := range bs {
				n += b.Read
			}
			if n != 70 {
				t.Errorf("%s: no error, %d rows read", name, n)
			}
			continue
		}
		var re *record.Error
		if !errors.As(err, &re) || re.File != path || (re.Kind != record.KindFormat && re.Kind != record.KindSchema) {
			t.Errorf("%s: err = %#v", name, err)
		}
	}
}

func pqGarble(data []byte, from, to int) []byte {
	out := append([]byte{}, data...)
	for i := from; i < to && i < len(out)-8; i++ {
		out[i] ^= byte(i*7 + 3)
	}
	return out
}

func TestParquetDecimalText(t *testing.T) {
	for _, tc := range []struct {
		b      []byte
		scale  int32
		text   string
		digits int
		minor  int64
		ok     bool
	}{
		{[]byte{0x04, 0xe2}, 2, "12.50", 2, 1250, true},
		{[]byte{0xff, 0x9d}, 2, "-0.99", 2, -99, true},
		{[]byte{0xff, 0x9d}, 2, "-0.99", 0, 0, false},
		{[]byte{0x00}, 3, "0.000", 2, 0, true},
		{[]byte{0x7b}, 0, "123", 3, 123000, true},
		// 12.50 with scale 18: 12500000000000000000 needs 65 bits
		{[]byte{0x00, 0xad, 0x78, 0xeb, 0xc5, 0xac, 0x62, 0x00, 0x00}, 18, "12.500000000000000000", 2, 1250, true},
		// -(2^127), the least 128-bit value
		{append([]byte{0x80}, bytes.Repeat([]byte{0}, 15)...), 0, "-170141183460469231731687303715884105728", 2, 0, false},
		// -1 in 16 bytes, and with sign extension in 20
		{bytes.Repeat([]byte{0xff}, 16), 1, "-0.1", 1, -1, true},
		{bytes.Repeat([]byte{0xff}, 20), 1, "-0.1", 1, -1, true},
		// 2^127 - 1 in 17 bytes
		{append([]byte{0x00, 0x7f}, bytes.Repeat([]byte{0xff}, 15)...), 38, "1.70141183460469231731687303715884105727", 2, 0, false},
	} {
		d, ok := pqDecFromBytes(tc.b)
		if !ok {
			t.Errorf("% x: does not fit", tc.b)
			continue
		}
		if got := string(d.appendText(nil, tc.scale)); got != tc.text {
			t.Errorf("% x scale %d: %q, want %q", tc.b, tc.scale, got, tc.text)
		}
		v, ok := d.minor(tc.scale, tc.digits)
		if ok != tc.ok || ok && v != tc.minor {
			t.Errorf("% x scale %d → %d digits: %d %v, want %d %v", tc.b, tc.scale, tc.digits, v, ok, tc.minor, tc.ok)
		}
	}
	for _, b := range [][]byte{append([]byte{0x01}, make([]byte, 16)...), append([]byte{0x00, 0x80}, make([]byte, 15)...)} {
		if _, ok := pqDecFromBytes(b); ok {
			t.Errorf("% x: a value beyond 128 bits fits", b)
		}
	}
}

// pqBenchFile writes the rows of BenchmarkReadCSV as a typed Parquet
// export: wall-clock timestamps, a DECIMAL(18,2) amount, dictionary-encoded
// strings, row groups of 65536 rows, SNAPPY.
func pqBenchFile(b *testing.B, rows int) (string, int64) {
	b.Helper()
	str := arrow.BinaryTypes.String
	names := []string{"merchant_id", "merchant_name", "terminal_id", "terminal_model", "terminal_firmware", "channel", "payment_method",
		"currency", "resp_code", "resp_subcode", "resp_msg", "txn_type", "txn_id", "pan"}
	fields := []arrow.Field{{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Millisecond}}, {Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}}}
	for _, n := range names {
		fields = append(fields, arrow.Field{Name: n, Type: str})
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fields, nil))
	defer rb.Release()
	models := []string{"PAX A920", "Newland ME31", "Centerm C960", "Sunmi P2"}
	base := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC).UnixMilli()
	for i := 0; i < rows; i++ {
		rb.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(base + int64(i%86400)*1000))
		rb.Field(1).(*array.Decimal128Builder).Append(decimal128FromInt(int64(i%500*100 + i%100)))
		vals := []string{fmt.Sprintf("M%06d", i%10000), fmt.Sprintf("商户%d", i%10000), fmt.Sprintf("T%07d", i%50000), models[i%4], fmt.Sprintf("2.%d.0", i%5),
			"被扫", "花呗", "CNY", []string{"00", "00", "00", "51", "40004"}[i%5], []string{"", "", "", "", "ACQ.BUYER_BALANCE_NOT_ENOUGH"}[i%5],
			[]string{"", "", "", "余额不足", "余额不足"}[i%5], "消费", fmt.Sprintf("TX%09d", i), "622202******1234"}
		for k, v := range vals {
			rb.Field(2 + k).(*array.StringBuilder).Append(v)
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	p := filepath.Join(b.TempDir(), "bench.parquet")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(65536), parquet.WithCompression(compress.Codecs.Snappy)), pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	return p, st.Size()
}

func decimal128FromInt(v int64) decimal128.Num { return decimal128.FromI64(v) }

// BenchmarkReadParquet measures one goroutine reading, hashing and
// decoding a Parquet export into batches, like BenchmarkReadCSV; bytes/s
// counts the (compressed) file.
func BenchmarkReadParquet(b *testing.B) {
	const rows = 200000
	p, size := pqBenchFile(b, rows)
	b.Run(fmt.Sprintf("rows=%d/cols=16", rows), func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			if n := countRows(b, p); n != rows {
				b.Fatalf("rows %d", n)
			}
		}
	})
}

// FuzzReadParquet feeds damaged files to the reader: whatever the bytes, it
// must return rows or a *record.Error naming the file, never panic or hang.
func FuzzReadParquet(f *testing.F) {
	pqFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &pqHandle{r: io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data)))}
		h.refs.Store(1)
		_, _, err := readParquetRaw("fuzz.parquet", h)
		if err != nil {
			var re *record.Error
			if !errors.As(err, &re) || re.File != "fuzz.parquet" {
				t.Fatalf("error is not a *record.Error naming the file: %v", err)
			}
		}
	})
}

// pqFuzzSeeds adds files of a few layouts: row groups, data page v2, plain.
func pqFuzzSeeds(f *testing.F) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "txn_time", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "merchant_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 18, Scale: 2}, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(`[
{"txn_time": "2026-11-21T06:30:05Z", "merchant_id": "M1", "amount": "12.50", "n": 1},
{"txn_time": null, "merchant_id": "M2", "amount": null, "n": 2},
{"txn_time": "2026-11-21T06:30:07Z", "merchant_id": null, "amount": "-0.01", "n": 3}]`))
	if err != nil {
		f.Fatal(err)
	}
	defer rec.Release()
	for _, props := range [][]parquet.WriterProperty{
		{parquet.WithMaxRowGroupLength(2)},
		{parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDataPageVersion(parquet.DataPageV2)},
		{parquet.WithDictionaryDefault(false), parquet.WithCompression(compress.Codecs.Gzip)},
	} {
		var buf bytes.Buffer
		w, err := pqarrow.NewFileWriter(sc, &buf, parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
		if err != nil {
			f.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			f.Fatal(err)
		}
		if err := w.Close(); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
}
