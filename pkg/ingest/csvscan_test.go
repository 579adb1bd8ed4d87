package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// scanAll splits data into records with the scanner, as the parts do.
func scanAll(data string, delim byte, lenient bool) (recs [][]string, lines []int, err *scanError) {
	s := &csvScanner{delim: delim, lenient: lenient}
	b := []byte(data)
	line := 1
	for pos := 0; pos < len(b); {
		next, nl, blank, serr := s.scan(b, pos)
		if serr != nil {
			return recs, lines, serr
		}
		if !blank {
			var r []string
			for _, f := range s.fields {
				r = append(r, string(f))
			}
			recs = append(recs, r)
			lines = append(lines, line)
		}
		line += nl
		pos = next
	}
	return recs, lines, nil
}

func TestScanner(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		delim   byte
		lenient bool
		want    [][]string
		lines   []int
		err     error
		errOff  int
	}{
		{name: "simple", in: "a,b,c\n1,2,3\n", want: [][]string{{"a", "b", "c"}, {"1", "2", "3"}}, lines: []int{1, 2}},
		{name: "no final newline", in: "a,b\n1,2", want: [][]string{{"a", "b"}, {"1", "2"}}, lines: []int{1, 2}},
		{name: "crlf", in: "a,b\r\n1,2\r\n", want: [][]string{{"a", "b"}, {"1", "2"}}},
		{name: "quoted comma", in: "a,\"b,c\"\n", want: [][]string{{"a", "b,c"}}},
		{name: "doubled quotes", in: "\"a \"\"q\"\" b\",x\n", want: [][]string{{`a "q" b`, "x"}}},
		{name: "quoted lf", in: "\"x\ny\",z\nnext,1\n", want: [][]string{{"x\ny", "z"}, {"next", "1"}}, lines: []int{1, 3}},
		{name: "quoted crlf kept", in: "\"x\r\ny\",z\r\n", want: [][]string{{"x\r\ny", "z"}}},
		{name: "empty quoted", in: "\"\",\"\"\n", want: [][]string{{"", ""}}},
		{name: "blank lines skipped", in: "a\n\n\r\nb\n", want: [][]string{{"a"}, {"b"}}, lines: []int{1, 4}},
		{name: "lone cr is data", in: "one\rtwo\n", want: [][]string{{"one\rtwo"}}},
		{name: "tab", in: "a\tb\n", delim: '\t', want: [][]string{{"a", "b"}}},
		{name: "pipe", in: "a|\"b|c\"\n", delim: '|', want: [][]string{{"a", "b|c"}}},
		{name: "trailing delimiter", in: "a,b,\n", want: [][]string{{"a", "b", ""}}},
		{name: "bare quote strict", in: "a,b\"c\n", err: errBareQuote, errOff: 3},
		{name: "bare quote lenient", in: "a,b\"c\n", lenient: true, want: [][]string{{"a", `b"c`}}},
		{name: "extraneous quote strict", in: "\"a\"b,c\n", err: errQuote, errOff: 2},
		{name: "extraneous quote lenient", in: "\"pedro \"pdet\" holanda\";x\n", delim: ';', lenient: true, want: [][]string{{`pedro "pdet" holanda`, "x"}}},
		{name: "unterminated", in: "a,\"bc\nd\n", err: errUnterminated, errOff: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.delim
			if d == 0 {
				d = ','
			}
			got, lines, serr := scanAll(tt.in, d, tt.lenient)
			if tt.err != nil {
				if serr == nil || !errors.Is(serr.err, tt.err) {
					t.Fatalf("err = %v, want %v", serr, tt.err)
				}
				if serr.off != tt.errOff {
					t.Errorf("error offset = %d, want %d", serr.off, tt.errOff)
				}
				return
			}
			if serr != nil {
				t.Fatalf("unexpected error %v", serr.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.lines != nil && !reflect.DeepEqual(lines, tt.lines) {
				t.Errorf("lines %v, want %v", lines, tt.lines)
			}
		})
	}
}

func TestLastBoundary(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"a,b\nc,d\n", 8},
		{"a,b\nc,d", 4},
		{"a,\"x\ny\"\n", 8},
		{"a,\"x\ny", -1},
		{"a\n\"x\ny", 2},
		{"no newline", -1},
	}
	for _, tt := range tests {
		if got := lastBoundary([]byte(tt.in)); got != tt.want {
			t.Errorf("lastBoundary(%q) = %d, want %d", tt.in, got, tt.want)
		}
		s := &csvScanner{delim: ',', lenient: true}
		if got := s.lastBoundaryLenient([]byte(tt.in)); got != tt.want {
			t.Errorf("lastBoundaryLenient(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// FuzzScanner checks that the scanner never panics, always advances, and
// that chunking at any size gives the same records as one pass.
func FuzzScanner(f *testing.F) {
	addScannerSeeds(f)
	f.Fuzz(func(t *testing.T, in string, lenient bool) {
		want, _, werr := scanAll(in, ',', lenient)
		// the chunker with tiny chunks must agree with the single pass
		ch := &chunker{r: strings.NewReader(in), size: 3, line: 1, scan: &csvScanner{delim: ',', lenient: true}, lenient: lenient}
		s := &csvScanner{delim: ',', lenient: lenient}
		var got [][]string
		var gerr *scanError
	outer:
		for {
			data, _, _, _, err := ch.next()
			if err != nil {
				break
			}
			for pos := 0; pos < len(data); {
				next, _, blank, serr := s.scan(data, pos)
				if serr != nil {
					gerr = serr
					break outer
				}
				if next <= pos {
					t.Fatalf("scanner did not advance at %d", pos)
				}
				if !blank {
					var r []string
					for _, fl := range s.fields {
						r = append(r, string(fl))
					}
					got = append(got, r)
				}
				pos = next
			}
		}
		if (werr == nil) != (gerr == nil) {
			// Malformed quoting may be detected in a different chunk, but it
			// must be detected either way.
			t.Fatalf("single pass err=%v, chunked err=%v", werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("chunked %q != single %q", got, want)
		}
	})
}

// addScannerSeeds adds small records and the small public conformance
// files (small, so that the fuzzer spends its time mutating rather than
// minimizing).
func addScannerSeeds(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\"a\"\"b\",c\r\n", "\"x\ny\",z\n", "a,\"b", "\"\"\"\n", "a\"b,c\n", "\n\n,\n",
		// quoted fields the masks parse: names with commas, at either end, with CR LF
		"x,\"a,b\",y\r\n", "\"a,b\"\r\n\"c\"", "\"a\"b,c\n", "\"\",\"\"\n", "a,\"b\"", "a,\"b\"\r", "a,\"b\"\r\n,\n", "\"a\",\r\n"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	for _, pattern := range []string{"csv-spectrum/csvs/*.csv", "duckdb-csv/*.csv", "duckdb-csv/*/*.csv"} {
		names, _ := filepath.Glob(filepath.Join(conformanceDir, pattern))
		for _, n := range names {
			if data, err := os.ReadFile(n); err == nil && len(data) < 4096 {
				f.Add(string(data), false)
				f.Add(string(data), true)
			}
		}
	}
}

// FuzzScanMasked: scanning with the part's masks finds the same records,
// fields, line counts and errors as scanning the bytes.
func FuzzScanMasked(f *testing.F) {
	addScannerSeeds(f)
	f.Fuzz(func(t *testing.T, in string, lenient bool) {
		data := []byte(in)
		m := make([]uint64, maskWordsFor(len(data)))
		csvMasks(data, ',', m)
		a, b := &csvScanner{delim: ',', lenient: lenient}, &csvScanner{delim: ',', lenient: lenient}
		for pos := 0; pos < len(data); {
			n1, nl1, blank1, e1 := a.scan(data, pos)
			n2, nl2, blank2, e2 := b.scanMasked(data, pos, m)
			var fields [][]byte
			var starts []int
			for i := range b.count() * btoi(e2 == nil && !blank2) {
				fields, starts = append(fields, b.field(data, i)), append(starts, b.start(i))
			}
			if blank1 || e1 != nil {
				a.fields, a.starts = nil, nil // not to be read
			}
			if n1 != n2 || nl1 != nl2 || blank1 != blank2 || !reflect.DeepEqual(e1, e2) ||
				!reflect.DeepEqual(a.fields, fields) || !reflect.DeepEqual(a.starts, starts) {
				t.Fatalf("at %d of %q:\nscan       %d %d %v %v %q %v\nscanMasked %d %d %v %v %q %v",
					pos, in, n1, nl1, blank1, e1, a.fields, a.starts, n2, nl2, blank2, e2, fields, starts)
			}
			if e1 != nil {
				return
			}
			pos = n1
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// BenchmarkScanner splits a chunk of generated export rows (18 fields, a
// Chinese name and message in each, one quoted field in ten rows) into
// fields: the scanner alone, without validation or row building.
func BenchmarkScanner(b *testing.B) {
	var sb strings.Builder
	for i := 0; sb.Len() < 1<<20; i++ {
		name := "长沙市天心区永发酒店"
		if i%10 == 0 {
			name = `"长沙市天心区, 永发酒店"`
		}
		fmt.Fprintf(&sb, "2026-11-21 00:00:%02d,2026112100000000%04d,898551070111310,%s,7011,湖南,29559931,Newland N910,2.3.8,qr_scan,alipay_balance,purchase,406.61,CNY,10000,,交易成功,\n", i%60, i%10000, name)
	}
	data := []byte(sb.String())
	m := make([]uint64, maskWordsFor(len(data)))
	for _, masked := range []bool{false, true} {
		b.Run(map[bool]string{false: "bytes", true: "masks"}[masked], func(b *testing.B) {
			s := &csvScanner{delim: ','}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if masked {
					csvMasks(data, ',', m)
				}
				for pos := 0; pos < len(data); {
					var next int
					var serr *scanError
					if masked {
						next, _, _, serr = s.scanMasked(data, pos, m)
					} else {
						next, _, _, serr = s.scan(data, pos)
					}
					if serr != nil || s.count() != 18 {
						b.Fatalf("at %d: %v, %d fields", pos, serr, s.count())
					}
					pos = next
				}
			}
		})
	}
}

// FuzzSplit: the eight-bytes-at-a-time split of a line without quotes
// agrees with bytes.Split, for any delimiter.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("2026-11-21,898551070111310,长沙市,,7011,-,"), byte(','))
	f.Add([]byte("a;b;;c\x00d;efghijklmnop;"), byte(';'))
	f.Add([]byte("\t\t\t\t\t\t\t\t\t"), byte('\t'))
	f.Fuzz(func(t *testing.T, line []byte, delim byte) {
		s := &csvScanner{delim: delim}
		s.split(line, 7)
		want := bytes.Split(line, []byte{delim})
		if len(s.fields) != len(want) {
			t.Fatalf("split(%q, %q): %d fields, want %d", line, delim, len(s.fields), len(want))
		}
		at := 0
		for i, w := range want {
			if !bytes.Equal(s.fields[i], w) || s.starts[i] != 7+at {
				t.Fatalf("split(%q, %q): field %d = %q at %d, want %q at %d", line, delim, i, s.fields[i], s.starts[i], w, 7+at)
			}
			at += len(w) + 1
		}
	})
}
