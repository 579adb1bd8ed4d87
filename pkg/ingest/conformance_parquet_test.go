package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/payops/analyze/pkg/record"
)

// pqConformanceDir is shared/conformance, relative to this package.
const pqConformanceDir = "../../../shared/conformance"

// pqExpect is what shared/conformance/README.md expects of one Parquet file.
type pqExpect struct {
	rows    int         // rows to read; -1: the file must be rejected
	kind    record.Kind // for a rejection, the kind of error (KindOther: any)
	lenient bool        // reading rows or a clean error are both acceptable
	nulls   map[string]int
	first   []string // the first row, when given
	expect  string   // a sidecar CSV the rows must equal (empty cell = null)
	check   func([][]string) error
	gap     string // how we fall short of the README's ideal, and why
}

// pqExpectations holds every Parquet file of the corpus, with the row
// counts and values from the README's tables.
var pqExpectations = map[string]pqExpect{
	// Valid flat files.
	"parquet-testing/data/alltypes_plain.parquet":                         {rows: 8},
	"parquet-testing/data/alltypes_plain.snappy.parquet":                  {rows: 2},
	"parquet-testing/data/alltypes_dictionary.parquet":                    {rows: 2},
	"parquet-testing/data/alltypes_tiny_pages.parquet":                    {rows: 7300},
	"parquet-testing/data/alltypes_tiny_pages_plain.parquet":              {rows: 7300},
	"parquet-testing/data/binary.parquet":                                 {rows: 12},
	"parquet-testing/data/binary_truncated_min_max.parquet":               {rows: 12},
	"parquet-testing/data/byte_array_decimal.parquet":                     {rows: 24, check: pqOneToTwentyFour},
	"parquet-testing/data/int32_decimal.parquet":                          {rows: 24, check: pqOneToTwentyFour},
	"parquet-testing/data/int64_decimal.parquet":                          {rows: 24, check: pqOneToTwentyFour},
	"parquet-testing/data/fixed_length_decimal.parquet":                   {rows: 24, check: pqOneToTwentyFour},
	"parquet-testing/data/fixed_length_decimal_legacy.parquet":            {rows: 24, check: pqOneToTwentyFour},
	"parquet-testing/data/fixed_length_byte_array.parquet":                {rows: 1000, nulls: map[string]int{"flba_field": 105}},
	"parquet-testing/data/byte_stream_split.zstd.parquet":                 {rows: 300},
	"parquet-testing/data/byte_stream_split_extended.gzip.parquet":        {rows: 200, check: pqTwinsEqual},
	"parquet-testing/data/delta_binary_packed.parquet":                    {rows: 200, expect: "parquet-testing/data/delta_binary_packed_expect.csv"},
	"parquet-testing/data/delta_byte_array.parquet":                       {rows: 1000, expect: "parquet-testing/data/delta_byte_array_expect.csv", nulls: map[string]int{"c_login": 1000}},
	"parquet-testing/data/delta_encoding_optional_column.parquet":         {rows: 100, expect: "parquet-testing/data/delta_encoding_optional_column_expect.csv"},
	"parquet-testing/data/delta_encoding_required_column.parquet":         {rows: 100, expect: "parquet-testing/data/delta_encoding_required_column_expect.csv"},
	"parquet-testing/data/delta_length_byte_array.parquet":                {rows: 1000},
	"parquet-testing/data/datapage_v2.snappy.parquet":                     {rows: -1, kind: record.KindUnsupported, gap: "column e is a LIST: the flat reader refuses the file (the README allows it)"},
	"parquet-testing/data/datapage_v2_empty_datapage.snappy.parquet":      {rows: 1, nulls: map[string]int{"value": 1}},
	"parquet-testing/data/page_v2_empty_compressed.parquet":               {rows: 10, nulls: map[string]int{"integer_column": 10}},
	"parquet-testing/data/datapage_v1-uncompressed-checksum.parquet":      {rows: 5120},
	"parquet-testing/data/datapage_v1-snappy-compressed-checksum.parquet": {rows: 5120},
	"parquet-testing/data/datapage_v1-corrupt-checksum.parquet":           {rows: 5120, gap: "no page CRC verification in arrow-go v18.8.0: the wrong checksums go unnoticed"},
	"parquet-testing/data/plain-dict-uncompressed-checksum.parquet":       {rows: 1000},
	"parquet-testing/data/rle-dict-snappy-checksum.parquet":               {rows: 1000},
	"parquet-testing/data/rle-dict-uncompressed-corrupt-checksum.parquet": {rows: 1000, gap: "no page CRC verification in arrow-go v18.8.0: the wrong checksums go unnoticed"},
	"parquet-testing/data/rle_boolean_encoding.parquet":                   {rows: 68, nulls: map[string]int{"datatype_boolean": 6}},
	"parquet-testing/data/concatenated_gzip_members.parquet":              {rows: 513, check: pqOneTo513},
	"parquet-testing/data/data_index_bloom_encoding_stats.parquet":        {rows: 14},
	"parquet-testing/data/data_index_bloom_encoding_with_length.parquet":  {rows: 14},
	"parquet-testing/data/dict-page-offset-zero.parquet":                  {rows: 39},
	"parquet-testing/data/int32_with_null_pages.parquet":                  {rows: 1000, nulls: map[string]int{"int32_field": 275}},
	"parquet-testing/data/int96_from_spark.parquet":                       {rows: 6, nulls: map[string]int{"a": 1}, check: pqInt96Values},
	"parquet-testing/data/float16_nonzeros_and_nans.parquet":              {rows: 8, nulls: map[string]int{"x": 1}},
	"parquet-testing/data/float16_zeros_and_nans.parquet":                 {rows: 3, nulls: map[string]int{"x": 1}},
	"parquet-testing/data/floating_orders_nan_count.parquet":              {rows: 50},
	"parquet-testing/data/nan_in_stats.parquet":                           {rows: 2, check: pqRowsEqual("1", "NaN")},
	"parquet-testing/data/single_nan.parquet":                             {rows: 1, nulls: map[string]int{"mycol": 1}},
	"parquet-testing/data/sort_columns.parquet":                           {rows: 6, nulls: map[string]int{"a": 2}},
	"parquet-testing/data/column_chunk_key_value_metadata.parquet":        {rows: 0},
	"parquet-testing/data/overflow_i16_page_cnt.parquet":                  {rows: 40000},
	"parquet-testing/data/lz4_raw_compressed.parquet":                     {rows: 4},
	"parquet-testing/data/lz4_raw_compressed_larger.parquet":              {rows: 10000},
	"parquet-testing/data/hadoop_lz4_compressed.parquet":                  {rows: 4, first: []string{"1593604800", "abc", "42"}},
	"parquet-testing/data/hadoop_lz4_compressed_larger.parquet":           {rows: 10000},
	"parquet-testing/data/non_hadoop_lz4_compressed.parquet":              {rows: 4, first: []string{"1593604800", "abc", "42"}},
	"parquet-testing/data/nation.dict-malformed.parquet":                  {rows: 25, lenient: true},
	"parquet-testing/data/unknown-logical-type.parquet":                   {rows: -1, kind: record.KindFormat, gap: "arrow-go v18.8.0 panics on the unknown logical type while parsing the footer: the panic is turned into a clean error instead of reading the 3 rows"},

	// Nested: refused.
	"parquet-testing/data/list_columns.parquet":               {rows: -1, kind: record.KindUnsupported},
	"parquet-testing/data/nested_lists.snappy.parquet":        {rows: -1, kind: record.KindUnsupported},
	"parquet-testing/data/nested_maps.snappy.parquet":         {rows: -1, kind: record.KindUnsupported},
	"parquet-testing/data/nulls.snappy.parquet":               {rows: -1, kind: record.KindUnsupported},
	"parquet-testing/data/repeated_primitive_no_list.parquet": {rows: -1, kind: record.KindUnsupported},
	"parquet-testing/data/large_string_map.brotli.parquet":    {rows: -1, kind: record.KindUnsupported},

	// Encrypted: refused.
	"parquet-testing/data/uniform_encryption.parquet.encrypted":               {rows: -1, kind: record.KindUnsupported},
	"parquet-testing/data/encrypt_columns_plaintext_footer.parquet.encrypted": {rows: -1, kind: record.KindUnsupported},

	// Corrupt: rejected.
	"parquet-testing/bad_data/ARROW-GH-41317.parquet":              {rows: -1},
	"parquet-testing/bad_data/ARROW-GH-41321.parquet":              {rows: -1},
	"parquet-testing/bad_data/ARROW-GH-45185.parquet":              {rows: -1},
	"parquet-testing/bad_data/ARROW-GH-47662.parquet":              {rows: -1},
	"parquet-testing/bad_data/ARROW-RS-GH-6229-DICTHEADER.parquet": {rows: -1},
	"parquet-testing/bad_data/ARROW-RS-GH-6229-LEVELS.parquet":     {rows: -1},
	"parquet-testing/bad_data/PARQUET-1481.parquet":                {rows: -1},
	"parquet-testing/bad_data/ARROW-GH-43605.parquet":              {rows: 21186, lenient: true, check: pqAllZero},

	// DuckDB: DATE and TIMESTAMP.
	"duckdb-parquet/date.parquet":                       {rows: 36, nulls: map[string]int{"d": 9}, first: []string{"1970-01-01"}, check: pqDates},
	"duckdb-parquet/pandas-date.parquet":                {rows: 2, check: pqRowsEqual("2021-01-12", "1921-12-24")},
	"duckdb-parquet/timestamp.parquet":                  {rows: 1, first: []string{"2020-10-05 17:21:49.48844"}},
	"duckdb-parquet/timestamp-ms.parquet":               {rows: 1, first: []string{"2020-10-05 17:21:49"}},
	"duckdb-parquet/date_stats.parquet":                 {rows: 2, check: pqDateStats},
	"duckdb-parquet/broken/broken_date.parquet":         {rows: -1, kind: record.KindFormat},
	"duckdb-parquet/broken/broken_timestamp.parquet":    {rows: -1, kind: record.KindFormat},
	"duckdb-parquet/broken/broken_timestamp_ms.parquet": {rows: -1, kind: record.KindFormat},
}

func pqRowsEqual(want ...string) func([][]string) error {
	return func(rows [][]string) error {
		var got []string
		for _, r := range rows {
			got = append(got, r[0])
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			return fmt.Errorf("values %q, want %q", got, want)
		}
		return nil
	}
}

func pqOneToTwentyFour(rows [][]string) error {
	for i, r := range rows {
		if want := fmt.Sprintf("%d.00", i+1); r[0] != want {
			return fmt.Errorf("row %d: %q, want %q", i+1, r[0], want)
		}
	}
	return nil
}

func pqOneTo513(rows [][]string) error {
	for i, r := range rows {
		if want := fmt.Sprint(i + 1); r[0] != want {
			return fmt.Errorf("row %d: %q, want %q", i+1, r[0], want)
		}
	}
	return nil
}

func pqAllZero(rows [][]string) error {
	for i, r := range rows {
		if r[0] != "0" {
			return fmt.Errorf("row %d: %q, want 0", i+1, r[0])
		}
	}
	return nil
}

// pqTwinsEqual: each *_byte_stream_split column equals its *_plain twin.
func pqTwinsEqual(rows [][]string) error {
	for i, r := range rows {
		for c := 0; c+1 < len(r); c += 2 {
			if r[c] != r[c+1] {
				return fmt.Errorf("row %d, columns %d and %d: %q != %q", i+1, c, c+1, r[c], r[c+1])
			}
		}
	}
	return nil
}

// pqInt96Values: upstream's values, as microseconds since the epoch.
func pqInt96Values(rows [][]string) error {
	want := []string{
		time.UnixMicro(1704141296123456).UTC().Format("2006-01-02T15:04:05.999999Z"),
		time.UnixMicro(1704070800000000).UTC().Format("2006-01-02T15:04:05.999999Z"),
		time.UnixMicro(253402225200000000).UTC().Format("2006-01-02T15:04:05.999999Z"),
		time.UnixMicro(1735599600000000).UTC().Format("2006-01-02T15:04:05.999999Z"),
		ParquetNull,
		"290000-12-30T23:00:00Z", // 9089380393200000000 µs: beyond time.Time's formatting
	}
	return pqRowsEqual(want...)(rows)
}

func pqDates(rows [][]string) error {
	if rows[len(rows)-1][0] != "1997-01-01" {
		return fmt.Errorf("last value %q, want 1997-01-01", rows[len(rows)-1][0])
	}
	for _, r := range rows {
		if r[0] == ParquetNull {
			continue
		}
		if d, err := time.Parse("2006-01-02", r[0]); err != nil || d.Year() < 1970 || d.Year() > 1997 || d.Day() != 1 {
			return fmt.Errorf("value %q is not the first of a month in 1970-1997", r[0])
		}
	}
	return nil
}

func pqDateStats(rows [][]string) error {
	want := [][]string{
		{"1900-01-01", "00:00:00", "1990-01-01 00:00:00", "1900-01-01 00:00:00", "1900-01-01 00:00:00", "1900-01-01 00:00:00"},
		{"2030-12-31", "23:59:59", "2030-12-31 23:59:59", "2030-12-31 23:59:59", "2030-12-31 23:59:59", "2030-12-31 23:59:59"},
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			return fmt.Errorf("row %d: %q, want %q", i+1, rows[i], want[i])
		}
	}
	return nil
}

// pqCompareCSV compares rows with a sidecar CSV by position (an empty cell
// is a null, or an empty string).
func pqCompareCSV(path string, rows [][]string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return err
	}
	recs = recs[1:]
	if len(recs) != len(rows) {
		return fmt.Errorf("%d rows, the sidecar has %d", len(rows), len(recs))
	}
	for i, rec := range recs {
		if len(rec) != len(rows[i]) {
			return fmt.Errorf("row %d: %d columns, the sidecar has %d", i+1, len(rows[i]), len(rec))
		}
		for c, want := range rec {
			got := rows[i][c]
			if want == "" && (got == ParquetNull || got == "") {
				continue
			}
			if got != want {
				return fmt.Errorf("row %d, column %d: %q, want %q", i+1, c+1, got, want)
			}
		}
	}
	return nil
}

// pqRun runs f under a timeout; a panic or a hang is a failure.
func pqRun(t *testing.T, name string, timeout time.Duration, f func() error) (err error, ok bool) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("PANIC: %v", r)
			}
		}()
		done <- f()
	}()
	select {
	case err := <-done:
		if err != nil && strings.HasPrefix(err.Error(), "PANIC: ") {
			t.Errorf("%s: %v", name, err)
			return err, false
		}
		return err, true
	case <-time.After(timeout):
		t.Errorf("%s: no result after %v: a hang", name, timeout)
		return nil, false
	}
}

func parquetConformance(t *testing.T) {
	if _, err := os.Stat(pqConformanceDir); err != nil {
		t.Skipf("conformance corpus not found: %v", err)
	}
	var files []string
	for _, dir := range []string{"parquet-testing", "duckdb-parquet"} {
		filepath.WalkDir(filepath.Join(pqConformanceDir, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".parquet") || strings.HasSuffix(p, ".encrypted")) {
				rel, _ := filepath.Rel(pqConformanceDir, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
	}
	if len(files) == 0 {
		t.Skip("no Parquet files in the conformance corpus")
	}
	seen := map[string]bool{}
	var gaps []string
	for _, rel := range files {
		seen[rel] = true
		want, known := pqExpectations[rel]
		if !known {
			t.Errorf("%s: no expectation in the table: add it from the README", rel)
			continue
		}
		path := filepath.Join(pqConformanceDir, filepath.FromSlash(rel))
		t.Run(rel, func(t *testing.T) {
			var cols []string
			var rows [][]string
			err, ok := pqRun(t, "ReadParquetRaw", 10*time.Second, func() error {
				var err error
				cols, rows, err = ReadParquetRaw(path)
				return err
			})
			if !ok {
				return
			}
			pqCheckRaw(t, path, want, cols, rows, err)
			pqCheckOpen(t, path, want)
		})
		if want.gap != "" {
			gaps = append(gaps, rel+": "+want.gap)
		}
	}
	var missing []string
	for rel := range pqExpectations {
		if !seen[rel] {
			missing = append(missing, rel)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("files in the table but not in the corpus: %q", missing)
	}
	for _, g := range gaps {
		t.Logf("known gap: %s", g)
	}
}

// pqCheckRaw checks ReadParquetRaw's result against the expectation.
func pqCheckRaw(t *testing.T, path string, want pqExpect, cols []string, rows [][]string, err error) {
	t.Helper()
	if err != nil {
		var re *record.Error
		switch {
		case !errors.As(err, &re):
			t.Errorf("error is not a *record.Error: %T %v", err, err)
		case re.File != path || !strings.Contains(err.Error(), path):
			t.Errorf("error does not name the file: %v", err)
		}
		if want.rows >= 0 && !want.lenient {
			t.Errorf("want %d rows, got error: %v", want.rows, err)
		}
		if want.kind != record.KindOther && record.KindOf(err) != want.kind {
			t.Errorf("error kind %v, want %v: %v", record.KindOf(err), want.kind, err)
		}
		if rows != nil {
			t.Errorf("rows returned with the error")
		}
		t.Logf("rejected: %v", err)
		return
	}
	if want.rows < 0 {
		t.Errorf("must be rejected, read %d rows", len(rows))
		return
	}
	if len(rows) != want.rows {
		t.Errorf("read %d rows, want %d", len(rows), want.rows)
		return
	}
	for name, n := range want.nulls {
		c := -1
		for i, h := range cols {
			if h == name {
				c = i
			}
		}
		if c < 0 {
			t.Errorf("no column %q in %q", name, cols)
			continue
		}
		got := 0
		for _, r := range rows {
			if r[c] == ParquetNull {
				got++
			}
		}
		if got != n {
			t.Errorf("column %q: %d nulls, want %d", name, got, n)
		}
	}
	if want.first != nil && strings.Join(rows[0], "|") != strings.Join(want.first, "|") {
		t.Errorf("first row %q, want %q", rows[0], want.first)
	}
	if want.expect != "" {
		if err := pqCompareCSV(filepath.Join(pqConformanceDir, want.expect), rows); err != nil {
			t.Errorf("values differ from %s: %v", want.expect, err)
		}
	}
	if want.check != nil {
		if err := want.check(rows); err != nil {
			t.Error(err)
		}
	}
}

// pqCheckOpen reads the file through the pipeline's path (Open, Next,
// Decode), with the required fields mapped onto flat columns of types they
// accept (txn_time and amount on typed columns when there are some), so the
// row-group decoder runs on the corpus too. Most rows fail validation;
// what counts is that every row is accounted for, or that a fault is a
// clean error naming the file.
func pqCheckOpen(t *testing.T, path string, want pqExpect) {
	t.Helper()
	opts := pqOpenOptions(path)
	read := 0
	err, ok := pqRun(t, "Open/Decode", 10*time.Second, func() error {
		f, err := Open(Input{Path: path}, 0, opts)
		if err != nil {
			return err
		}
		defer f.Close()
		for b, err := range f.Batches() {
			if err != nil {
				return err
			}
			read += b.Read
		}
		return nil
	})
	if !ok {
		return
	}
	t.Logf("Open/Decode (columns %v): %d rows, err %v", opts.Columns, read, err)
	if err != nil {
		var re *record.Error
		if !errors.As(err, &re) || re.File != path {
			t.Errorf("Open/Decode: error is not a *record.Error naming the file: %v", err)
		}
		if opts.Columns != nil && want.rows >= 0 && !want.lenient && record.KindOf(err) != record.KindSchema {
			t.Errorf("Open/Decode of a valid file: %v", err)
		}
		return
	}
	if want.rows >= 0 && read != want.rows {
		t.Errorf("Open/Decode accounted for %d rows, want %d", read, want.rows)
	}
}

// pqPickColumns picks flat columns to map the required fields onto: one
// for txn_time, one for amount (typed ones first; "" when none fits) and
// one for the text fields (the first flat column).
func pqPickColumns(path string) (tcol, acol, ocol string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	st, _ := f.Stat()
	pqf, err := openPQ(path, newPQHandle(f, "", st.Size()))
	if err != nil {
		return
	}
	defer pqf.h.release()
	var tText, aText string
	for _, c := range pqf.cols {
		if c.nested != "" || c.bad != "" {
			continue
		}
		if ocol == "" {
			ocol = c.name
		}
		switch c.kind {
		case pqTimestamp, pqInt96, pqDate:
			if tcol == "" {
				tcol = c.name
			}
		case pqDecimal, pqFloat, pqDouble:
			if acol == "" {
				acol = c.name
			}
		case pqBytes, pqInt, pqUint:
			if tText == "" {
				tText = c.name
			}
			if aText == "" {
				aText = c.name
			}
		}
	}
	if tcol == "" {
		tcol = tText
	}
	if acol == "" {
		acol = aText
	}
	return
}
