package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// WriteCSV writes t as RFC 4180 CSV with a header row and \n line endings,
// preceded by a UTF-8 BOM when bom is set (for spreadsheet programs that
// otherwise read Chinese text as the local code page).
func WriteCSV(w io.Writer, t *Table, bom bool) error {
	if bom {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, row := range t.All() {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes t as one JSON array of objects, one object per row on
// its own line, keys in column order. Integers, amounts and rates are JSON
// numbers written from their exact decimal text (an empty one as null).
func WriteJSON(w io.Writer, t *Table) error {
	bw := bufio.NewWriter(w)
	keys := make([][]byte, len(t.Columns))
	for i, c := range t.Columns {
		keys[i] = appendJSONString(nil, c)
	}
	var buf []byte
	n := t.Len()
	if n == 0 {
		bw.WriteString("[]\n")
		return bw.Flush()
	}
	bw.WriteString("[\n")
	for r, row := range t.All() {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("table %s: row %d has %d cells for %d columns", t.Name, r+1, len(row), len(t.Columns))
		}
		buf = append(buf[:0], "  {"...)
		for i, v := range row {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, keys[i]...)
			buf = append(buf, ':')
			switch {
			case t.Kinds[i] == ColString:
				buf = appendJSONString(buf, v)
			case v == "":
				buf = append(buf, "null"...)
			case !isJSONNumber(v):
				return fmt.Errorf("table %s: row %d: column %s: %q is not a number", t.Name, r+1, t.Columns[i], v)
			default:
				buf = append(buf, v...)
			}
		}
		buf = append(buf, '}')
		if r < n-1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// appendJSONString appends s as a JSON string. Unlike encoding/json it
// leaves <, > and & alone; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// isJSONNumber reports whether s is a JSON number: -?int(.digits)?
// (our cells never carry exponents).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start || s[start] == '0' && i-start > 1 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		f := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == f {
			return false
		}
	}
	return i == len(s)
}

// parquetType is the Parquet column type per ColKind. Amounts stay exact
// decimal strings ("1234.50"): one column may hold currencies with
// different numbers of minor digits, so no single decimal scale fits.
// Rates are float64, the one place a float is written.
func parquetType(k ColKind) arrow.DataType {
	switch k {
	case ColInt:
		return arrow.PrimitiveTypes.Int64
	case ColRate:
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

// WriteParquet writes t as a Parquet file (snappy-compressed, one row
// group): text and amount columns as UTF-8 strings, integer columns as
// int64, rate columns as float64. All columns are required (not null).
func WriteParquet(w io.Writer, t *Table) error {
	mem := memory.NewGoAllocator()
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c, Type: parquetType(t.Kinds[i])}
	}
	schema := arrow.NewSchema(fields, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	for r, row := range t.All() {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("table %s: row %d has %d cells for %d columns", t.Name, r+1, len(row), len(t.Columns))
		}
		for i, v := range row {
			switch b := rb.Field(i).(type) {
			case *array.Int64Builder:
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return fmt.Errorf("table %s: row %d: column %s: %w", t.Name, r+1, t.Columns[i], err)
				}
				b.Append(n)
			case *array.Float64Builder:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("table %s: row %d: column %s: %w", t.Name, r+1, t.Columns[i], err)
				}
				b.Append(f)
			case *array.StringBuilder:
				if !utf8.ValidString(v) { // Parquet strings are UTF-8
					v = strings.ToValidUTF8(v, "\ufffd")
				}
				b.Append(v)
			}
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true))
	// noClose keeps the FileWriter from closing w: the caller owns it.
	fw, err := pqarrow.NewFileWriter(schema, noClose{w}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		return err
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return err
	}
	return fw.Close()
}

type noClose struct{ w io.Writer }

func (n noClose) Write(p []byte) (int, error) { return n.w.Write(p) }
