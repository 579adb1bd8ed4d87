package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// awkward is a table with values that need quoting and escaping.
func awkward() Table {
	return Table{
		Name:    "by_merchant",
		Columns: []string{"merchant_id", "merchant_name", "currency", "cause", "declines", "amount", "attempts", "decline_rate"},
		Kinds:   []ColKind{ColString, ColString, ColString, ColString, ColInt, ColAmount, ColInt, ColRate},
		Rows: [][]string{
			{"M1", `便利店, "总店"`, "CNY", "network", "3", "1234.50", "8", "0.375000"},
			{"M2", "line\nbreak\ttab <&>", "KWD", "risk_control", "1", "-0.005", "1", "1.000000"},
			{" M3", "", "JPY", "unknown", "12", "300", "12", "1.000000"},
			{"M4", "bad \xff utf8 \u2028", "CNY", "network", "1", "0.00", "3", "0.333333"},
		},
	}
}

func TestWriteCSV(t *testing.T) {
	tb := awkward()
	for _, bom := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, &tb, bom); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if got := strings.HasPrefix(out, "\ufeff"); got != bom {
			t.Errorf("bom %v: starts with BOM = %v", bom, got)
		}
		if strings.Contains(out, "\r\n") {
			t.Errorf("CRLF in output")
		}
		want := "merchant_id,merchant_name,currency,cause,declines,amount,attempts,decline_rate\n" +
			"M1,\"便利店, \"\"总店\"\"\",CNY,network,3,1234.50,8,0.375000\n"
		if !strings.HasPrefix(strings.TrimPrefix(out, "\ufeff"), want) {
			t.Errorf("bom %v: got\n%s", bom, out)
		}
		// read back
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(tb.Rows)+1 {
			t.Fatalf("%d records", len(recs))
		}
		for i, r := range tb.Rows {
			for j := range r {
				if recs[i+1][j] != r[j] {
					t.Errorf("row %d col %d: %q, want %q", i, j, recs[i+1][j], r[j])
				}
			}
		}
	}
}

func TestWriteJSON(t *testing.T) {
	tb := awkward()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, &tb); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !json.Valid(buf.Bytes()) {
		t.Fatalf("invalid JSON:\n%s", out)
	}
	wantFirst := `  {"merchant_id":"M1","merchant_name":"便利店, \"总店\"","currency":"CNY","cause":"network","declines":3,"amount":1234.50,"attempts":8,"decline_rate":0.375000},`
	if lines := strings.Split(out, "\n"); lines[0] != "[" || lines[1] != wantFirst || lines[len(lines)-2] != "]" || lines[len(lines)-1] != "" {
		t.Errorf("got\n%s", out)
	}
	if !strings.Contains(out, `"merchant_name":"line\nbreak\ttab <&>"`) || !strings.Contains(out, `"amount":-0.005`) ||
		!strings.Contains(out, `bad \ufffd utf8 \u2028`) {
		t.Errorf("escaping:\n%s", out)
	}
	// keys in column order, numbers as numbers with their exact text
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var objs []map[string]any
	if err := dec.Decode(&objs); err != nil {
		t.Fatal(err)
	}
	if n := objs[0]["amount"].(json.Number); n.String() != "1234.50" {
		t.Errorf("amount %v", n)
	}
	if _, ok := objs[0]["declines"].(json.Number); !ok {
		t.Errorf("declines not a number")
	}
	for i, line := range strings.Split(out, "\n")[1:len(tb.Rows)] {
		last := -1
		for _, c := range tb.Columns {
			k := strings.Index(line, `"`+c+`":`)
			if k <= last {
				t.Errorf("line %d: key %s out of order", i, c)
			}
			last = k
		}
	}

	// empty table, bad number, short row
	empty := Table{Name: "x", Columns: []string{"a"}, Kinds: []ColKind{ColInt}}
	buf.Reset()
	if err := WriteJSON(&buf, &empty); err != nil || buf.String() != "[]\n" {
		t.Errorf("empty: %q %v", buf.String(), err)
	}
	for _, bad := range [][]string{{"1e5"}, {"01"}, {"NaN"}, {"1."}, {"-"}} {
		tb := Table{Name: "x", Columns: []string{"a"}, Kinds: []ColKind{ColInt}, Rows: [][]string{bad}}
		if err := WriteJSON(io.Discard, &tb); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	null := Table{Name: "x", Columns: []string{"a"}, Kinds: []ColKind{ColRate}, Rows: [][]string{{""}}}
	buf.Reset()
	if err := WriteJSON(&buf, &null); err != nil || buf.String() != "[\n  {\"a\":null}\n]\n" {
		t.Errorf("null: %q %v", buf.String(), err)
	}
	short := Table{Name: "x", Columns: []string{"a", "b"}, Kinds: []ColKind{ColInt, ColInt}, Rows: [][]string{{"1"}}}
	if err := WriteJSON(io.Discard, &short); err == nil {
		t.Errorf("short row: no error")
	}
}

// TestParquetRoundTrip writes every breakdown of the small run as Parquet,
// reads it back with pqarrow and compares every value with the table.
func TestParquetRoundTrip(t *testing.T) {
	a := NewAggregator(Options{By: smallBy})
	addAll(a, smallRows(), 5)
	tables := append(a.Tables(), awkward())
	for i := range tables {
		tables[i] = tables[i].Materialized()
	}
	tables[len(tables)-1].Rows = tables[len(tables)-1].Rows[:3] // parquet strings must be UTF-8
	tables = append(tables, Table{Name: "empty", Columns: []string{"a", "n"}, Kinds: []ColKind{ColString, ColInt}})
	for _, tb := range tables {
		t.Run(tb.Name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var buf bytes.Buffer
			if err := WriteParquet(&buf, &tb); err != nil {
				t.Fatal(err)
			}
			rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer rdr.Close()
			if len(tb.Rows) > 0 {
				cc, err := rdr.MetaData().RowGroup(0).ColumnChunk(0)
				if err != nil {
					t.Fatal(err)
				}
				if c := cc.Compression(); c.String() != "SNAPPY" {
					t.Errorf("compression %s", c)
				}
			}
			fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
			if err != nil {
				t.Fatal(err)
			}
			at, err := fr.ReadTable(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer at.Release()
			if int(at.NumRows()) != len(tb.Rows) || int(at.NumCols()) != len(tb.Columns) {
				t.Fatalf("%d rows × %d cols, want %d × %d", at.NumRows(), at.NumCols(), len(tb.Rows), len(tb.Columns))
			}
			for j, c := range tb.Columns {
				f := at.Schema().Field(j)
				if f.Name != c {
					t.Errorf("column %d named %s, want %s", j, f.Name, c)
				}
				want := map[ColKind]arrow.DataType{ColString: arrow.BinaryTypes.String, ColAmount: arrow.BinaryTypes.String,
					ColInt: arrow.PrimitiveTypes.Int64, ColRate: arrow.PrimitiveTypes.Float64}[tb.Kinds[j]]
				if !arrow.TypeEqual(f.Type, want) {
					t.Errorf("column %s type %s, want %s", c, f.Type, want)
				}
				var got []string
				for _, chunk := range at.Column(j).Data().Chunks() {
					for i := 0; i < chunk.Len(); i++ {
						switch arr := chunk.(type) {
						case *array.String:
							got = append(got, arr.Value(i))
						case *array.Int64:
							got = append(got, strconv.FormatInt(arr.Value(i), 10))
						case *array.Float64:
							got = append(got, strconv.FormatFloat(arr.Value(i), 'f', 6, 64))
						default:
							t.Fatalf("column %s: %T", c, chunk)
						}
					}
				}
				for i, r := range tb.Rows {
					if got[i] != r[j] {
						t.Errorf("row %d column %s: %q, want %q", i, c, got[i], r[j])
					}
				}
			}
		})
	}
	bad := Table{Name: "x", Columns: []string{"a"}, Kinds: []ColKind{ColInt}, Rows: [][]string{{"x"}}}
	if err := WriteParquet(io.Discard, &bad); err == nil {
		t.Errorf("bad int: no error")
	}
}

func TestColKindString(t *testing.T) {
	for k, want := range map[ColKind]string{ColString: "string", ColInt: "int", ColAmount: "amount", ColRate: "rate", 9: "string"} {
		if k.String() != want {
			t.Errorf("%d: %s", k, k)
		}
	}
}
