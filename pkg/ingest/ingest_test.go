package ingest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/payops/analyze/pkg/record"
)

const header = "txn_time,merchant_id,merchant_name,terminal_id,terminal_model,terminal_firmware,channel,payment_method,amount,currency,resp_code,resp_subcode,resp_msg,txn_type,txn_id,pan\n"

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAll opens path and decodes every part in order.
func readAll(t testing.TB, path string, opts *Options) (*File, []*record.Batch, error) {
	t.Helper()
	f, err := Open(Input{Path: path}, 0, opts)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var out []*record.Batch
	for b, err := range f.Batches() {
		if err != nil {
			return f, out, err
		}
		out = append(out, b)
	}
	return f, out, nil
}

// sameBatches compares batches field by field, but for Release, a func
// (never equal to another) and the capacity of the recycled columns.
func sameBatches(a, b []*record.Batch) bool {
	norm := func(bs []*record.Batch) []record.Batch {
		out := make([]record.Batch, len(bs))
		for i, x := range bs {
			out[i] = *x
			out[i].Release = nil
			out[i].Outcome, out[i].NS = nil, nil // set by classify, not ingest
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// flat is one accepted row in a comparable form.
type flat struct {
	Line   int64
	Time   string
	Amount int64
	Kind   record.TxnKind
	Text   map[string]string
}

func flatten(bs []*record.Batch) (rows []flat, rejects []*record.Error) {
	for _, b := range bs {
		for i := 0; i < b.Len; i++ {
			r := flat{Line: b.Line[i], Time: time.Unix(b.Time[i], 0).In(shanghai).Format("2006-01-02 15:04:05"), Amount: b.Amount[i], Kind: b.Kind[i], Text: map[string]string{}}
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

const sample = header +
	"2026-11-21 14:00:01,M001,\"好又多,超市\",T1,PAX A920,2.3.1,被扫,花呗,23.50,CNY,40004,ACQ.BUYER_BALANCE_NOT_ENOUGH,余额不足,消费,TX1,6222020200112233445\n" +
	"2026/11/21 14:00:02,M002,\"A \"\"quoted\"\" name\",T2,Newland ME31,2.4.0,card_chip,credit_card,\"1,234.00\",156,5,,,purchase,TX2,\n" +
	"20261121140003,M001,好又多,T1,PAX A920,2.3.1,主扫,微信,0.01,,fail,NOTENOUGH,,退货,TX3,\n"

func TestReadCanonical(t *testing.T) {
	p := writeFile(t, "a.csv", []byte(sample))
	f, bs, err := readAll(t, p, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, rejects := flatten(bs)
	if len(rejects) != 0 {
		t.Fatalf("rejects: %v", rejects)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows", len(rows))
	}
	r := rows[0]
	if r.Line != 2 || r.Time != "2026-11-21 14:00:01" || r.Amount != 2350 || r.Kind != record.Purchase {
		t.Errorf("row 1 = %+v", r)
	}
	want := map[string]string{"merchant_id": "M001", "merchant_name": "好又多,超市", "channel": "qr_scan", "payment_method": "huabei",
		"resp_code": "40004", "resp_subcode": "ACQ.BUYER_BALANCE_NOT_ENOUGH", "currency": "CNY", "pan": "622202*********3445"}
	for k, v := range want {
		if r.Text[k] != v {
			t.Errorf("row 1 %s = %q, want %q", k, r.Text[k], v)
		}
	}
	r = rows[1]
	if r.Amount != 123400 || r.Text["resp_code"] != "05" || r.Text["merchant_name"] != `A "quoted" name` || r.Text["channel"] != "card_chip" || r.Text["currency"] != "CNY" {
		t.Errorf("row 2 = %+v", r)
	}
	r = rows[2]
	if r.Kind != record.Refund || r.Text["resp_code"] != "FAIL" || r.Text["payment_method"] != "wechat" || r.Text["channel"] != "qr_present" {
		t.Errorf("row 3 = %+v", r)
	}
	sum := sha256.Sum256([]byte(sample))
	if f.SHA256() != hex.EncodeToString(sum[:]) || f.Size() != int64(len(sample)) {
		t.Errorf("provenance %s %d", f.SHA256(), f.Size())
	}
	if f.Encoding != EncUTF8 || f.Format != "csv" {
		t.Errorf("format %s encoding %s", f.Format, f.Encoding)
	}
}

// TestChunkingIsInvisible reads the same file with tiny chunks: the rows,
// lines and rejects must not depend on where the parts were cut.
func TestChunkingIsInvisible(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(header)
	for i := 0; i < 300; i++ {
		switch i % 7 {
		case 0:
			sb.WriteString("2026-11-21 14:00:01,M1,\"multi\r\nline, name\",T1,PAX A920,1,刷卡,借记卡,1.00,CNY,00,,,,X" + strings.Repeat("9", i%5) + ",\n")
		case 3:
			sb.WriteString("2026-11-21 14:00:01,M2,bad,T1,PAX A920,1,刷卡,借记卡,abc,CNY,51,,,,,\n")
		default:
			sb.WriteString("2026-11-21 14:00:02,M3,\"q\"\"x\",T2,Sunmi P2,2,插卡,信用卡,2.50,CNY,51,,余额不足,,,\r\n")
		}
	}
	p := writeFile(t, "c.csv", []byte(sb.String()))
	_, one, err := readAll(t, p, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantRows, wantRej := flatten(one)
	for _, size := range []int{1, 7, 64, 1000} {
		_, bs, err := readAll(t, p, &Options{ChunkBytes: size})
		if err != nil {
			t.Fatal(err)
		}
		rows, rej := flatten(bs)
		if !reflect.DeepEqual(rows, wantRows) {
			t.Fatalf("chunk %d: rows differ", size)
		}
		if len(rej) != len(wantRej) {
			t.Fatalf("chunk %d: %d rejects, want %d", size, len(rej), len(wantRej))
		}
		for i := range rej {
			if rej[i].Line != wantRej[i].Line || rej[i].Error() != wantRej[i].Error() {
				t.Fatalf("chunk %d: reject %v, want %v", size, rej[i], wantRej[i])
			}
		}
	}
	if len(wantRej) != 43 || wantRej[0].Line != 6 || wantRej[0].Column != "amount" {
		t.Errorf("rejects: %d, first %v", len(wantRej), wantRej[0])
	}
}

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const chineseSample = "交易日期,交易时间,商户号,商户名称,终端型号,交易渠道,支付方式,交易金额,应答码,应答信息\n" +
	"20261121,143005,M9,广州市天河区好又多便利店,新大陆 ME31,被扫,花呗,\"1,000.00\",58,不允许终端进行的交易\n" +
	"2026-11-21,9:30:05,M9,广州市天河区好又多便利店,新大陆 ME31,主扫,支付宝,5,00,交易成功\n"

func TestReadGBKChinese(t *testing.T) {
	for _, enc := range []string{"", EncGB18030, EncGBK} {
		p := writeFile(t, "g.csv", gbk(t, chineseSample))
		f, bs, err := readAll(t, p, &Options{Encoding: enc})
		if err != nil {
			t.Fatalf("encoding %q: %v", enc, err)
		}
		rows, rej := flatten(bs)
		if len(rej) != 0 || len(rows) != 2 {
			t.Fatalf("rows %d rejects %v", len(rows), rej)
		}
		if f.Encoding == EncUTF8 {
			t.Errorf("encoding detected as %s", f.Encoding)
		}
		r := rows[0]
		if r.Time != "2026-11-21 14:30:05" || r.Amount != 100000 || r.Text["merchant_name"] != "广州市天河区好又多便利店" || r.Text["terminal_model"] != "新大陆 ME31" || r.Text["payment_method"] != "huabei" || r.Text["resp_msg"] != "不允许终端进行的交易" {
			t.Errorf("row = %+v", r)
		}
		if rows[1].Time != "2026-11-21 09:30:05" || rows[1].Amount != 500 {
			t.Errorf("row 2 = %+v", rows[1])
		}
	}
}

func TestReadGBKPipeDelimiter(t *testing.T) {
	// '|' (0x7C) can be the second byte of a GBK character: the reader must
	// decode before splitting. 乜 is 0xD8 0x7C in GBK.
	s := "交易时间|商户号|商户名称|终端型号|交易金额|应答码\n2026-11-21 10:00:00|M1|乜记|PAX|1.00|00\n"
	p := writeFile(t, "p.csv", gbk(t, s))
	_, bs, err := readAll(t, p, &Options{Delimiter: '|'})
	if err != nil {
		t.Fatal(err)
	}
	rows, rej := flatten(bs)
	if len(rej) != 0 || len(rows) != 1 || rows[0].Text["merchant_name"] != "乜记" {
		t.Fatalf("rows %+v rejects %v", rows, rej)
	}
}

func TestReadGzipAndBOM(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("\xEF\xBB\xBF" + sample))
	zw.Close()
	p := writeFile(t, "a.csv.gz", buf.Bytes())
	f, bs, err := readAll(t, p, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := flatten(bs)
	if len(rows) != 3 || f.Format != "csv.gz" || f.Size() != int64(buf.Len()) {
		t.Fatalf("rows %d format %s size %d", len(rows), f.Format, f.Size())
	}
	sum := sha256.Sum256(buf.Bytes())
	if f.SHA256() != hex.EncodeToString(sum[:]) {
		t.Error("sha256 is not of the compressed file")
	}
}

func TestRowFaults(t *testing.T) {
	in := header +
		"2026-11-21 14:00:01,M1,n,T,m,f,c,p,1.00,CNY,00,,,,,\n" + // good
		"2026-11-21 14:00:01,M1,n,T,m,f,c,p,1.00,CNY,00\n" + // ragged
		"2026-11-21 14:00:01,M1,n,T,m,f,c,p,12.3.4,CNY,00,,,,,\n" +
		"not a time,M1,n,T,m,f,c,p,1.00,CNY,00,,,,,\n" +
		"2026-11-21 14:00:01, ,n,T,m,f,c,p,1.00,CNY,00,,,,,\n" +
		"2026-11-21 14:00:01,M1,n,T,m,f,c,p,1.234,CNY,00,,,,,\n" +
		"2026-11-21 14:00:01,M1,n,T,m,f,c,p,-5.00,CNY,00,,,,,\n" +
		"2026-11-21 14:00:01,M1,n,T,m,f,c,p,-5.00,CNY,00,,,refund,,\n" + // negative refund is fine
		"2026-11-21 14:00:01,M1,\xff\xfe,T,m,f,c,p,1.00,CNY,00,,,,,\n" +
		"2026-11-21 14:00:01,M1,n,T,m,f,c,p,1.00,CNY,00,,,,,6222020200112233445,extra\n"
	p := writeFile(t, "r.csv", []byte(in))
	_, bs, err := readAll(t, p, &Options{Encoding: EncUTF8})
	if err != nil {
		t.Fatal(err)
	}
	rows, rej := flatten(bs)
	if len(rows) != 2 {
		t.Errorf("accepted %d rows, want 2", len(rows))
	}
	want := []struct {
		line   int64
		column string
		reason string
	}{
		{3, "", "wrong number of fields"},
		{4, "amount", "expected a decimal amount"},
		{5, "txn_time", "expected a time"},
		{6, "merchant_id", "empty merchant id"},
		{7, "amount", "more than the currency's 2"},
		{8, "amount", "negative purchase amount"},
		{10, "merchant_name", "not valid utf-8"},
		{11, "", "wrong number of fields"},
	}
	if len(rej) != len(want) {
		t.Fatalf("rejects %v", rej)
	}
	for i, w := range want {
		r := rej[i]
		if r.Line != w.line || r.Column != w.column || !strings.Contains(r.Reason(), w.reason) || r.File != p || r.Kind != record.KindRow {
			t.Errorf("reject %d = line %d column %q %q; want %+v", i, r.Line, r.Column, r.Reason(), w)
		}
		if strings.Contains(r.Raw, "6222020200112233445") || strings.Contains(r.Error(), "6222020200112233445") {
			t.Errorf("reject %d leaks a card number: %q", i, r.Raw)
		}
	}
	if rej[6].Offset == 0 || !rej[6].HasOffset {
		t.Errorf("encoding reject has no offset: %v", rej[6])
	}
}

func TestFileFaults(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Repeat(sample, 50)))
	zw.Close()
	var gzMissing bytes.Buffer // a bad header with megabytes of rows behind it, left unread
	zw = gzip.NewWriter(&gzMissing)
	zw.Write([]byte("txn_time,merchant_id\n" + strings.Repeat("2026-11-21 14:00:01,M1\n", 400000)))
	zw.Close()
	sjis, _ := japanese.ShiftJIS.NewEncoder().Bytes([]byte("名前,年齢\n山田太郎,30\n"))
	tests := []struct {
		name string
		data []byte
		opts Options
		kind record.Kind
		msg  string
	}{
		{"empty", nil, Options{}, record.KindFormat, "empty file"},
		{"blank lines only", []byte("\n\n"), Options{}, record.KindFormat, "no header"},
		{"missing column", []byte("txn_time,merchant_id\n"), Options{}, record.KindSchema, "missing required column terminal_model, amount, resp_code"},
		{"truncated gzip", gz.Bytes()[:gz.Len()/2], Options{}, record.KindFormat, "truncated gzip"},
		{"gzip, missing column", gzMissing.Bytes(), Options{}, record.KindSchema, "missing required column"},
		{"corrupt gzip", append(append([]byte{}, gz.Bytes()[:20]...), bytes.Repeat([]byte{0xff}, 200)...), Options{}, record.KindFormat, "gzip"},
		{"binary", append([]byte{0x7f, 'E', 'L', 'F'}, make([]byte, 100)...), Options{}, record.KindFormat, "binary"},
		{"shift-jis", sjis, Options{}, record.KindEncoding, "not valid UTF-8"},
		{"utf-16", []byte{0xFF, 0xFE, 'a', 0}, Options{}, record.KindEncoding, "UTF-16"},
		{"unterminated quote", []byte(header + "\"2026-11-21 14:00:01,M1\n"), Options{}, record.KindFormat, "unterminated"},
		{"bare quote", []byte(header + "2026-11-21 14:00:01,M\"1,n,T,m,f,c,p,1.00,CNY,00,,,,,\n"), Options{}, record.KindFormat, "bare"},
		{"bad --columns", []byte(header), Options{Columns: map[record.Field]string{record.Amount: "nope"}}, record.KindUsage, "no such header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "f.csv", tt.data)
			if strings.Contains(tt.name, "gzip") {
				p = writeFile(t, "f.csv.gz", tt.data)
			}
			_, _, err := readAll(t, p, &tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if record.KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), p) {
				t.Errorf("err = %v (kind %v), want kind %v containing %q and the path", err, record.KindOf(err), tt.kind, tt.msg)
			}
		})
	}
	t.Run("header only", func(t *testing.T) {
		_, bs, err := readAll(t, writeFile(t, "h.csv", []byte(strings.TrimSuffix(header, "\n"))), &Options{})
		rows, rej := flatten(bs)
		if err != nil || len(rows) != 0 || len(rej) != 0 {
			t.Errorf("header-only: err %v rows %d", err, len(rows))
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := Open(Input{Path: filepath.Join(t.TempDir(), "nope.csv")}, 0, &Options{})
		if record.KindOf(err) != record.KindIO {
			t.Errorf("err = %v", err)
		}
	})
}

func TestColumnsOverrideAndMasters(t *testing.T) {
	in := "when,shop,device,money,code,tid\n2026-11-21 14:00:01,M1,,1.00,00,T9\n2026-11-21 14:00:02,M2,,1.00,00,T8\n"
	dir := t.TempDir()
	term := filepath.Join(dir, "terminals.csv")
	os.WriteFile(term, []byte("终端号,终端型号,固件版本\nT9,PAX A920,2.3.1\n"), 0o644)
	merch := filepath.Join(dir, "merchants.csv")
	os.WriteFile(merch, []byte("merchant_id,merchant_name,mcc,region\nM1,好又多,5411,广东\n"), 0o644)
	tm, err := LoadTerminals(term, RawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mm, err := LoadMerchants(merch, RawOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cols, err := ParseColumns("txn_time=when, merchant_id=shop,terminal_model=device,amount=money,resp_code=code")
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "o.csv", []byte(in))
	_, bs, err := readAll(t, p, &Options{Columns: cols, Terminals: tm, Merchants: mm})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := flatten(bs)
	want := map[string]string{"terminal_model": "PAX A920", "terminal_firmware": "2.3.1", "merchant_name": "好又多", "mcc": "5411", "region": "广东", "terminal_id": "T9"}
	for k, v := range want {
		if rows[0].Text[k] != v {
			t.Errorf("%s = %q, want %q", k, rows[0].Text[k], v)
		}
	}
	// a row whose ids are in no master file keeps nothing from the row before
	if rows[1].Text["terminal_firmware"] != "" || rows[1].Text["mcc"] != "" || rows[1].Text["merchant_name"] != "" {
		t.Errorf("master values carried over: %+v", rows[1].Text)
	}
	if _, err := ParseColumns("bogus=x"); record.KindOf(err) != record.KindUsage {
		t.Errorf("bad --columns: %v", err)
	}
	// without --terminals, a file lacking terminal_model is refused
	_, _, err = readAll(t, writeFile(t, "x.csv", []byte("txn_time,merchant_id,amount,resp_code\n")), &Options{})
	if record.KindOf(err) != record.KindSchema {
		t.Errorf("err = %v", err)
	}
	_, _, err = readAll(t, writeFile(t, "y.csv", []byte("txn_time,merchant_id,amount,resp_code,tid\n")), &Options{Terminals: tm})
	if err != nil {
		t.Errorf("with --terminals: %v", err)
	}
}

func TestVocabularyMisses(t *testing.T) {
	in := header + "2026-11-21 14:00:01,M1,n,T,m,f,刷脸,数字人民币,1.00,CNY,00,,,预授权,,\n"
	_, bs, err := readAll(t, writeFile(t, "v.csv", []byte(in)), &Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := bs[0].Misses
	if m[record.Channel]["刷脸"] != 1 || m[record.PaymentMethod]["数字人民币"] != 1 || m[record.TxnType]["预授权"] != 1 {
		t.Errorf("misses = %v", m)
	}
	if bs[0].Kind[0] != record.OtherKind || bs[0].Text[record.Channel][0] != "刷脸" {
		t.Errorf("unknown values must be kept as they are")
	}
}

// Rows outside Keep count as filtered, even when a later column is bad;
// a row inside with a bad column is still rejected.
func TestKeepFiltersByTime(t *testing.T) {
	data := header +
		"2026-11-21 13:59:59,M001,n,T1,PAX A920,2.3.1,被扫,花呗,1.00,CNY,00,,,消费,TX1,\n" +
		"2026-11-21 14:00:00,M001,n,T1,PAX A920,2.3.1,被扫,花呗,1.00,CNY,00,,,消费,TX2,\n" +
		"2026-11-21 14:59:59,M001,n,T1,PAX A920,2.3.1,被扫,花呗,x,CNY,00,,,消费,TX3,\n" +
		"2026-11-21 15:00:00,M001,n,T1,PAX A920,2.3.1,被扫,花呗,x,CNY,00,,,消费,TX4,\n" +
		"2026-11-21 16:30:00,M001,n,T1,PAX A920,2.3.1,被扫,花呗,2.00,CNY,00,,,消费,TX5,\n"
	from := time.Date(2026, 11, 21, 14, 0, 0, 0, shanghai).Unix()
	keep := []TimeRange{{From: from, To: from + 3600}, {From: from + 9000, To: from + 9001}}
	_, bs, err := readAll(t, writeFile(t, "k.csv", []byte(data)), &Options{Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	rows, rejects := flatten(bs)
	read, filtered := 0, 0
	for _, b := range bs {
		read += b.Read
		filtered += b.Filtered
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.Text["txn_id"])
	}
	if !slices.Equal(ids, []string{"TX2", "TX5"}) || len(rejects) != 1 || rejects[0].Line != 4 || filtered != 2 || read != 5 {
		t.Errorf("kept %v, rejects %v, filtered %d, read %d", ids, rejects, filtered, read)
	}
	bad := Options{Keep: []TimeRange{{From: from, To: from}}}
	if err := bad.Validate(); err == nil {
		t.Error("an empty range must be refused")
	}
}

// TestRowsHint checks the row estimate that sizes the dedup set: close to
// the truth for a CSV file longer than its sample, exact for Parquet, 0
// where the size says nothing (gzip, stdin).
func TestRowsHint(t *testing.T) {
	var csv bytes.Buffer
	csv.WriteString(header)
	const rows = 30000 // about 3 MiB: the sample is the first third
	for i := range rows {
		fmt.Fprintf(&csv, "2026-11-21 14:00:01,M%05d,好又多超市,T%d,PAX A920,2.3.1,被扫,花呗,%d.50,CNY,05,,,purchase,TX%07d,\n", i%977, i%31, i%500, i)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(csv.Bytes())
	zw.Close()
	small := header + "2026-11-21 14:00:01,M1,n,T1,m,f,qr,wechat_pay,1.00,CNY,05,,,purchase,TX1,\n"
	for _, tc := range []struct {
		name     string
		path     string
		lo, hi   int64
		useStdin bool
	}{
		{name: "csv", path: writeFile(t, "big.csv", csv.Bytes()), lo: rows * 95 / 100, hi: rows * 105 / 100},
		{name: "small csv", path: writeFile(t, "small.csv", []byte(small)), lo: 1, hi: 1},
		{name: "gzip", path: writeFile(t, "big.csv.gz", gz.Bytes())},
		{name: "stdin", path: "-", useStdin: true},
		{name: "parquet", path: pqManyGroups(t), lo: 70, hi: 70},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := &Options{}
			if tc.useStdin {
				opts.Stdin = bytes.NewReader(csv.Bytes())
			}
			f, err := Open(Input{Path: tc.path}, 0, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.RowsHint(); got < tc.lo || got > tc.hi {
				t.Errorf("RowsHint() = %d, want %d..%d", got, tc.lo, tc.hi)
			}
		})
	}
}
