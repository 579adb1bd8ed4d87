package ingest

import (
	"fmt"
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

// TestTextMemo: the GBK text memo gives back what was put, for texts of
// every length around its inline limits, read from the middle of a buffer
// (so that words may be read past them) or from its end, across growth,
// the reset past maxMemoTexts and the per-field front.
func TestTextMemo(t *testing.T) {
	m := getTextMemo("gbk")
	defer memoPool.Put(m)
	buf := []byte(strings.Repeat("交易成功，余额不足,好又多超市", 20))
	var keys [][]byte
	for n := 1; n <= 40; n++ {
		keys = append(keys, buf[7:7+n], buf[len(buf)-n:]) // inside, and at the end of the buffer
	}
	for i := range 3 * maxMemoTexts / 2 { // many distinct texts: growth, then a reset
		keys = append(keys, fmt.Appendf(nil, "商户%d", i))
	}
	text := func(k []byte) string { return "t:" + string(k) }
	for i, k := range keys {
		m.put(k, text(k))
		for _, j := range []int{i, i / 2, 0} { // the new one, and older ones (unless reset)
			f := j % 3
			got, ok := m.get(f, keys[j])
			if ok && got != text(keys[j]) {
				t.Fatalf("get(%q) = %q after %d puts", keys[j], got, i+1)
			}
			if !ok && j == i {
				t.Fatalf("get(%q) missed right after its put", keys[j])
			}
		}
	}
	if m.n > maxMemoTexts {
		t.Errorf("%d texts held, more than %d", m.n, maxMemoTexts)
	}
	if _, ok := m.get(0, []byte("never put")); ok {
		t.Error("a text never put was found")
	}
	m.put([]byte("好"), "hao")
	m.use("gbk")
	if _, ok := m.get(1, []byte("好")); !ok {
		t.Error("the same encoding lost the texts")
	}
	m.use("gb18030")
	if _, ok := m.get(1, []byte("好")); ok || m.n != 0 {
		t.Error("another encoding kept the texts")
	}
}
