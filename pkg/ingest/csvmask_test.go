package ingest

import (
	"bytes"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkMasks compares csvMasks with a byte-by-byte reading of data: the
// vector path where the machine has one, and the generic path.
func checkMasks(t *testing.T, data []byte, delim byte) {
	t.Helper()
	want := make([]uint64, maskWordsFor(len(data)))
	for i, c := range data {
		for k, b := range [maskWords]byte{maskDelim: delim, maskLF: '\n', maskQuote: '"'} {
			if c == b {
				want[i/64*maskWords+k] |= 1 << (i % 64)
			}
		}
	}
	for _, vector := range []bool{false, true} {
		if vector && !useAVX2 {
			continue
		}
		func() {
			defer func(v bool) { useAVX2 = v }(useAVX2)
			useAVX2 = vector
			got := slices.Repeat([]uint64{0xDEAD}, len(want))
			valid := csvMasks(data, delim, got)
			if !slices.Equal(got, want) {
				t.Fatalf("vector=%v: masks of %q differ:\n got %x\nwant %x", vector, data, got, want)
			}
			if valid != utf8.Valid(data) {
				t.Fatalf("vector=%v: csvMasks says valid UTF-8 = %v for %q", vector, valid, data)
			}
		}()
	}
}

func TestCSVMasks(t *testing.T) {
	row := "2026-11-21 00:00:00,2026112100001,898551070111310,\"长沙市天心区,永发酒店\",7011,湖南,Newland N910,2.3.8,qr_scan,huabei,406.61,CNY,40004,ACQ.PAYMENT_FAIL,支付失败，花呗额度不足\r\n"
	cases := []string{"", "a", ",", "\n", "\"", strings.Repeat(row, 7)}
	// every length around the block size, and every offset of a cut character
	for n := 0; n < 200; n++ {
		cases = append(cases, strings.Repeat("x,", 100)[:n]+"好")
		cases = append(cases, (strings.Repeat("好", 70))[:n])
	}
	for _, bad := range []string{"\x80", "\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xE5\xA5", "\xE5\xA5\xBD\xBD", "\xC2\x41"} {
		for _, at := range []int{0, 1, 30, 31, 32, 33, 62, 63, 64, 65, 95, 127} {
			cases = append(cases, strings.Repeat("a", at)+bad+"b,c\n", strings.Repeat("好", at/3)+bad)
		}
	}
	for _, c := range cases {
		for _, d := range []byte{',', '\t', ';'} {
			checkMasks(t, []byte(c), d)
		}
	}
	// random bytes from a small alphabet that makes every class common
	r := rand.New(rand.NewPCG(1, 2))
	alpha := []byte("ab,;\t\n\r\"\x80\xBF\xC2\xE0\xE5\xED\xF0\xF4\xFF好")
	for range 2000 {
		b := make([]byte, r.IntN(300))
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		checkMasks(t, b, ',')
	}
	// long valid text with characters of every length across block edges
	var buf bytes.Buffer
	for i := 0; buf.Len() < 10000; i++ {
		buf.WriteString([]string{"a", "é", "好", "😀", ",", "\n", "\"", "\u0800", "\uFFFD", "\U0010FFFF"}[r.IntN(10)])
	}
	checkMasks(t, buf.Bytes(), ',')
}

func FuzzCSVMasks(f *testing.F) {
	f.Add([]byte("a,b\n\"c\",好\n"), byte(','))
	f.Add([]byte(strings.Repeat("好,", 40)+"\xE5\xA5"), byte(';'))
	f.Fuzz(func(t *testing.T, data []byte, delim byte) {
		if delim == 0 || delim == '\n' || delim == '"' {
			delim = ','
		}
		checkMasks(t, data, delim)
	})
}

// benchText is the first megabyte of the 5M-row bench export (make
// bench), or the Chinese sample.
func benchText(b *testing.B) []byte {
	for _, p := range []string{"../../bench/work/export-5000000-seed1-m2000.csv", "../../samples/canonical.csv"} {
		if data, err := os.ReadFile(p); err == nil {
			return data[:min(len(data), 1<<20)]
		}
	}
	b.Skip("no sample text")
	return nil
}

// BenchmarkCSVMasks: about 14 GB/s on the bench export with AVX2, where
// utf8.Valid alone does 2 GB/s.
func BenchmarkCSVMasks(b *testing.B) {
	data := benchText(b)
	m := make([]uint64, maskWordsFor(len(data)))
	b.Logf("vector: %v", useAVX2)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if !csvMasks(data, ',', m) {
			b.Fatal("invalid")
		}
	}
}
