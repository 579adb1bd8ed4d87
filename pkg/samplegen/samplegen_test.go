package samplegen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/payops/analyze/pkg/record"
)

func generate(t testing.TB, o Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, o); err != nil {
		t.Fatalf("Write(%+v): %v", o, err)
	}
	return b.Bytes()
}

// readCSV parses CSV output (any of the CSV formats) into header and rows.
func readCSV(t testing.TB, data []byte, format string) ([]string, [][]string) {
	t.Helper()
	var r io.Reader = bytes.NewReader(data)
	switch format {
	case FormatCSVGBK:
		r = transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
	case FormatCSVGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // malformed rows are ragged
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("not valid RFC 4180: %v", err)
	}
	if len(recs) == 0 {
		t.Fatal("no header")
	}
	return recs[0], recs[1:]
}

func col(name string) int { return slices.Index(Columns, name) }

func TestDeterministic(t *testing.T) {
	for _, f := range []string{FormatCSV, FormatCSVGBK, FormatCSVGzip, FormatParquet} {
		t.Run(f, func(t *testing.T) {
			o := Options{Rows: 3000, Seed: 42, Format: f, Header: HeaderChinese}
			if f != FormatParquet {
				o.Malformed = 6
			}
			a, b := generate(t, o), generate(t, o)
			if !bytes.Equal(a, b) {
				t.Fatal("two runs with the same options differ")
			}
			o.Seed++
			if bytes.Equal(a, generate(t, o)) {
				t.Fatal("another seed gives the same bytes")
			}
		})
	}
}

func TestRowCountsAndHeader(t *testing.T) {
	for _, rows := range []int{0, 1, 7, 2000} {
		for _, f := range []string{FormatCSV, FormatCSVGBK, FormatCSVGzip} {
			for _, h := range []string{HeaderCanonical, HeaderChinese} {
				hdr, recs := readCSV(t, generate(t, Options{Rows: rows, Seed: 1, Format: f, Header: h}), f)
				if len(recs) != rows {
					t.Errorf("rows=%d %s %s: got %d rows", rows, f, h, len(recs))
				}
				want := Columns
				if h == HeaderChinese {
					want = ChineseColumns
				}
				if !slices.Equal(hdr, want) {
					t.Errorf("%s %s: header %v, want %v", f, h, hdr, want)
				}
				for i, r := range recs {
					if len(r) != len(Columns) {
						t.Fatalf("%s %s: row %d has %d fields", f, h, i+1, len(r))
					}
				}
			}
		}
	}
}

// Every written column is a canonical field of package record, and all
// the fields a run needs are there.
func TestCanonicalColumns(t *testing.T) {
	for _, c := range Columns {
		if _, ok := record.FieldByName(c); !ok {
			t.Errorf("column %q is not a canonical field name", c)
		}
	}
	for _, f := range []record.Field{record.TxnTime, record.TxnID, record.MerchantID, record.MerchantName,
		record.MCC, record.Region, record.TerminalID, record.TerminalModel, record.TerminalFirmware,
		record.Channel, record.PaymentMethod, record.TxnType, record.Amount, record.Currency,
		record.RespCode, record.RespSubcode, record.RespMsg, record.PAN} {
		if !slices.Contains(Columns, f.String()) {
			t.Errorf("canonical field %s is not written", f)
		}
	}
	if len(ChineseColumns) != len(Columns) {
		t.Fatal("ChineseColumns and Columns differ in length")
	}
}

func TestGBK(t *testing.T) {
	data := generate(t, Options{Rows: 2000, Seed: 2, Format: FormatCSVGBK, Header: HeaderChinese})
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatal("GBK file starts with a UTF-8 BOM")
	}
	if _, err := io.ReadAll(transform.NewReader(bytes.NewReader(data), simplifiedchinese.GB18030.NewDecoder())); err != nil {
		t.Fatal(err)
	}
	// Not UTF-8: the Chinese header bytes are GBK.
	if bytes.Contains(data, []byte("交易时间")) {
		t.Fatal("header is UTF-8, want GBK")
	}
	hdr, recs := readCSV(t, data, FormatCSVGBK)
	if hdr[0] != "交易时间" || hdr[len(hdr)-1] != "卡号" {
		t.Fatalf("header %v", hdr)
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Error("chinese variant without CRLF line endings")
	}
	var grouped, zh int
	for _, r := range recs {
		if strings.Contains(r[col("amount")], ",") {
			grouped++
		}
		if r[col("channel")] == "被扫" && r[col("txn_type")] == "消费" && r[col("currency")] == "156" {
			zh++
		}
	}
	if grouped == 0 {
		t.Error("no amount with a thousands separator in the chinese variant")
	}
	if zh == 0 {
		t.Error("no chinese vocabulary values")
	}
}

func TestValues(t *testing.T) {
	_, recs := readCSV(t, generate(t, Options{Rows: 20000, Seed: 7}), FormatCSV)
	vocab := map[string][]term{"channel": channels, "payment_method": paymentMethods, "txn_type": txnTypes}
	timeRe := regexp.MustCompile(`^2026-11-2[12] \d\d:\d\d:\d\d$`)
	amountRe := regexp.MustCompile(`^\d+\.\d\d$`)
	maskedRe := regexp.MustCompile(`^\d{6}\*{6}\d{4}$`)
	var purchases, approved, nonPurchase, unmasked, comma, quote, emptyCode, bareACQ int
	seen := map[string]int{}
	var dups int
	for i, r := range recs {
		for name, v := range vocab {
			if !slices.ContainsFunc(v, func(x term) bool { return x.canonical == r[col(name)] }) {
				t.Fatalf("row %d: %s %q not in the vocabulary", i+1, name, r[col(name)])
			}
		}
		if !timeRe.MatchString(r[col("txn_time")]) {
			t.Fatalf("row %d: time %q", i+1, r[col("txn_time")])
		}
		if !amountRe.MatchString(r[col("amount")]) {
			t.Fatalf("row %d: amount %q", i+1, r[col("amount")])
		}
		if r[col("currency")] != "CNY" {
			t.Fatalf("row %d: currency %q", i+1, r[col("currency")])
		}
		switch pan := r[col("pan")]; {
		case pan == "" || maskedRe.MatchString(pan):
		case slices.Contains(TestPANs, pan):
			unmasked++
		default:
			t.Fatalf("row %d: pan %q", i+1, pan)
		}
		name := r[col("merchant_name")]
		if strings.Contains(name, ",") {
			comma++
		}
		if strings.Contains(name, `"`) {
			quote++
		}
		id := r[col("txn_id")]
		if j, ok := seen[id]; ok {
			if !slices.Equal(recs[j], r) {
				t.Fatalf("rows %d and %d share txn_id %s but differ", j+1, i+1, id)
			}
			dups++
		}
		seen[id] = i
		if r[col("txn_type")] != "purchase" {
			nonPurchase++
			continue
		}
		purchases++
		switch r[col("resp_code")] {
		case "00", "10000", "SUCCESS":
			approved++
		case "":
			emptyCode++
		}
		if strings.HasPrefix(r[col("resp_code")], "ACQ.") {
			bareACQ++
		}
	}
	rate := float64(approved) / float64(purchases)
	np := float64(nonPurchase) / float64(len(recs))
	t.Logf("approved %.3f, non-purchase %.3f, dups %d, unmasked %d, comma %d, quote %d, empty code %d, bare ACQ %d",
		rate, np, dups, unmasked, comma, quote, emptyCode, bareACQ)
	if rate < 0.80 || rate > 0.90 {
		t.Errorf("approval rate %.3f, want about 0.85", rate)
	}
	if np < 0.02 || np > 0.04 {
		t.Errorf("non-purchase share %.3f, want about 0.03", np)
	}
	for what, n := range map[string]int{"duplicate rows": dups, "unmasked test PANs": unmasked,
		"names with a comma": comma, "names with a quote": quote, "message-only rows": emptyCode, "bare ACQ codes": bareACQ} {
		if n == 0 {
			t.Errorf("no %s", what)
		}
	}
}

func TestTestPANsLuhn(t *testing.T) {
	for _, p := range TestPANs {
		if len(p) != 16 || luhnCheck(p[:15]) != int(p[15]-'0') {
			t.Errorf("%s is not a Luhn-valid 16-digit number", p)
		}
		if masked := record.MaskPANs(p); masked == p {
			t.Errorf("record.MaskPANs leaves %s as it is", p)
		}
	}
}

// The planted incident: code 58 on Huabei, ME31 below 2.4, 广东, 14:00-15:00.
func TestIncident(t *testing.T) {
	_, recs := readCSV(t, generate(t, Options{Rows: 50000, Seed: 3}), FormatCSV)
	var in, out, cellAttempts int
	for _, r := range recs {
		hour := r[col("txn_time")][11:13]
		cell := r[col("payment_method")] == "huabei" && r[col("terminal_model")] == modelME31 &&
			firmwareBelow(r[col("terminal_firmware")], 2, 4) && r[col("region")] == "广东"
		if cell && hour == "14" && r[col("txn_type")] == "purchase" {
			cellAttempts++
		}
		if r[col("resp_code")] != "58" {
			continue
		}
		if cell && hour == "14" {
			in++
		} else {
			out++
		}
	}
	t.Logf("58 in the incident cell: %d of %d attempts; elsewhere: %d", in, cellAttempts, out)
	if in < 20 || in < 4*out || float64(in) < 0.5*float64(cellAttempts) {
		t.Errorf("incident not visible: %d in the cell (%d attempts), %d elsewhere", in, cellAttempts, out)
	}
}

func TestMalformed(t *testing.T) {
	for _, h := range []string{HeaderCanonical, HeaderChinese} {
		o := Options{Rows: 200, Seed: 5, Malformed: 12, Header: h}
		_, recs := readCSV(t, generate(t, o), FormatCSV)
		if len(recs) != o.Rows {
			t.Fatalf("%d rows, want %d", len(recs), o.Rows)
		}
		counts := map[string]int{}
		for _, r := range recs {
			switch {
			case len(r) < len(Columns):
				counts["ragged"]++
			case r[col("amount")] == "12.3.4":
				counts["amount syntax"]++
			case strings.HasSuffix(r[col("txn_time")], " 25:61:00"):
				counts["time"]++
			case r[col("merchant_id")] == "":
				counts["merchant_id"]++
			case r[col("amount")] == "1.234":
				counts["decimals"]++
			case r[col("amount")] == "-15.00":
				if r[col("txn_type")] != txnTypes[kPurchase].in(h == HeaderChinese) {
					t.Errorf("negative amount on a %s row", r[col("txn_type")])
				}
				counts["negative"]++
			}
		}
		for _, k := range []string{"ragged", "amount syntax", "time", "merchant_id", "decimals", "negative"} {
			if counts[k] != 2 {
				t.Errorf("%s: %d %s rows, want 2 (%v)", h, counts[k], k, counts)
			}
		}
	}
	// Without Malformed, none.
	_, recs := readCSV(t, generate(t, Options{Rows: 5000, Seed: 5}), FormatCSV)
	for i, r := range recs {
		if len(r) != len(Columns) || r[col("merchant_id")] == "" || strings.HasPrefix(r[col("amount")], "-") {
			t.Fatalf("row %d looks malformed: %v", i+1, r)
		}
	}
}

func TestParquet(t *testing.T) {
	const rows = ParquetRowGroup + 1000
	data := generate(t, Options{Rows: rows, Seed: 4, Format: FormatParquet})
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if pf.NumRows() != rows {
		t.Fatalf("%d rows, want %d", pf.NumRows(), rows)
	}
	if pf.NumRowGroups() != 2 || pf.RowGroup(0).NumRows() != ParquetRowGroup {
		t.Errorf("%d row groups, first of %d rows; want 2, %d", pf.NumRowGroups(), pf.RowGroup(0).NumRows(), ParquetRowGroup)
	}
	md := pf.MetaData().RowGroup(0)
	for i := range md.NumColumns() {
		cc, _ := md.ColumnChunk(i)
		if cc.Compression().String() != "SNAPPY" {
			t.Errorf("column %d compressed with %s", i, cc.Compression())
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 8192}, mem)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range sc.Fields() {
		if f.Name != Columns[i] {
			t.Errorf("column %d named %q, want %q", i, f.Name, Columns[i])
		}
		var want arrow.DataType = arrow.BinaryTypes.String
		switch Columns[i] {
		case "txn_time":
			want = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
		case "amount":
			want = AmountType
		}
		if !arrow.TypeEqual(f.Type, want) {
			t.Errorf("column %s: type %s, want %s", f.Name, f.Type, want)
		}
	}
	// Values agree with the CSV of the same options (one row in seven).
	_, csvRecs := readCSV(t, generate(t, Options{Rows: rows, Seed: 4}), FormatCSV)
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != rows {
		t.Fatalf("table has %d rows", tbl.NumRows())
	}
	ts := tbl.Column(col("txn_time")).Data().Chunk(0).(*array.Timestamp)
	amt := tbl.Column(col("amount")).Data().Chunk(0).(*array.Decimal128)
	ids := tbl.Column(col("txn_id")).Data().Chunk(0).(*array.String)
	sub := tbl.Column(col("resp_subcode")).Data().Chunk(0).(*array.String)
	for i := 0; i < rows; i += 7 {
		r := csvRecs[i]
		got := time.UnixMilli(int64(ts.Value(i))).In(DefaultStart.Location()).Format("2006-01-02 15:04:05")
		if got != r[col("txn_time")] {
			t.Fatalf("row %d: time %s in parquet, %s in csv", i+1, got, r[col("txn_time")])
		}
		if a := record.FormatMinor(int64(amt.Value(i).LowBits()), 2); a != r[col("amount")] {
			t.Fatalf("row %d: amount %s in parquet, %s in csv", i+1, a, r[col("amount")])
		}
		if ids.Value(i) != r[col("txn_id")] {
			t.Fatalf("row %d: txn_id differs", i+1)
		}
		if sub.IsNull(i) != (r[col("resp_subcode")] == "") {
			t.Fatalf("row %d: empty resp_subcode is not null", i+1)
		}
	}
}

// The codes the generator writes are all in the classifier's table, which
// covers shared/reference/response-codes.md.
func TestCodesInReference(t *testing.T) {
	data, err := os.ReadFile("../classify/codes.csv")
	if err != nil {
		t.Skip("no ../classify/codes.csv:", err)
	}
	known := map[string]bool{"": true, "FAIL": true} // FAIL is WeChat's result_code, not a table code
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.SplitN(line, ",", 3); len(f) == 3 {
			known[f[1]] = true
		}
	}
	var all []resp
	for _, c := range []*choice{cupDeclines, alipayDeclines, huabeiDeclines, huabeiNotEnabled, wechatDeclines,
		upqrDeclines, messageOnly, dayEndResp, cardTimeouts} {
		all = append(all, c.items...)
	}
	for _, c := range nonPurchaseDeclines {
		all = append(all, c.items...)
	}
	all = append(all, approved[:]...)
	all = append(all, pending[:]...)
	all = append(all, cupFallback, incidentResp, macResp, qrTimeout, upqrTimeout, wechatNoAuth, alipayRisk, alipayTimeout, wechatTimeout)
	for _, r := range all {
		for _, c := range []string{r.code, r.sub} {
			if !known[c] {
				t.Errorf("code %q (%s) is not in codes.csv", c, r.msg)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	bad := []Options{
		{Rows: -1},
		{Merchants: -1},
		{Merchants: MaxMerchants + 1},
		{Span: -time.Hour},
		{Span: time.Second},
		{Span: MaxSpan + time.Hour},
		{Rows: 5, Malformed: 6},
		{Rows: 5, Malformed: -1},
		{Rows: 5, Malformed: 1, Format: FormatParquet},
		{Format: "xlsx"},
		{Header: "english"},
	}
	for _, o := range bad {
		if o.Validate() == nil {
			t.Errorf("Validate(%+v) = nil, want an error", o)
		}
		if Write(io.Discard, o) == nil {
			t.Errorf("Write(%+v) = nil, want an error", o)
		}
	}
	good := []Options{{}, {Rows: 10, Malformed: 10}, {Rows: 1, Merchants: 1, Span: time.Minute, Format: FormatParquet, Header: HeaderChinese}}
	for _, o := range good {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", o, err)
		}
		if err := Write(io.Discard, o); err != nil {
			t.Errorf("Write(%+v) = %v", o, err)
		}
	}
}

// Start and Span move the rows; the local times are in Start's zone.
func TestStartSpan(t *testing.T) {
	utc := time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)
	_, recs := readCSV(t, generate(t, Options{Rows: 500, Seed: 9, Start: utc, Span: 2 * time.Hour}), FormatCSV)
	for _, r := range recs {
		ts, err := time.ParseInLocation("2006-01-02 15:04:05", r[col("txn_time")], time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if ts.Before(utc) || !ts.Before(utc.Add(2*time.Hour+2*time.Minute)) {
			t.Fatalf("time %s outside [%s, +2h]", ts, utc)
		}
	}
}

// Memory stays flat: a million rows allocate about what a thousand do.
func TestFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a million rows")
	}
	alloc := func(rows int) uint64 {
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		if err := Write(io.Discard, Options{Rows: rows, Seed: 1, Merchants: 2000}); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	small, big := alloc(1000), alloc(1_000_000)
	t.Logf("allocated %d bytes for 1k rows, %d for 1M", small, big)
	if big > small+4<<20 {
		t.Errorf("1M rows allocated %d bytes, 1k rows %d: memory grows with rows", big, small)
	}
}
