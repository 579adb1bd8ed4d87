package ingest

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The sniff reads a sample cut anywhere: wherever the cut falls inside a
// GBK character, the sample is still Chinese text. A 2M-row generated GBK
// export was refused when the cut left a lone lead byte after the UTF-8
// trimming (whose rules do not fit GBK's trail bytes 0x40-0xFE).
func TestSniffGBKCutAnywhere(t *testing.T) {
	text := strings.Repeat("2026-11-21 14:00:00,898581054110000,广州市白云区瑞丰超市,花呗,消费,不允许终端进行的交易,终端型号\n", 40)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(gbk)
	for n := len(b) - 64; n <= len(b); n++ {
		enc, err := sniffEncoding("x.csv", b[:n], false)
		if err != nil || enc != EncGB18030 {
			t.Fatalf("cut at %d of %d (tail % X): %q, %v", n, len(b), b[n-4:n], enc, err)
		}
	}
	// At the end of the file a lone lead byte is an error, not a cut.
	if enc, err := sniffEncoding("x.csv", append(b[:len(b):len(b)], 0xD6), true); err == nil {
		t.Errorf("a file ending in a lone lead byte sniffed as %q", enc)
	}
}
